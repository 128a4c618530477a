"""``TileReader``, the torch twin of vlnenv's view decoder: views read back on tensors
exactly as :mod:`vlnenv.render.decode` reads them, and a clear error on views vlnenv never
draws."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from agents.models import ModelError
from agents.models.cell_labels import TileReader
from vlnenv import VLNEnv
from vlnenv.render.codes import N_CODES, symbolic_view
from vlnenv.render.decode import symbolic_cells
from vlnenv.render.tile_atlas import view_atlas


def test_every_atlas_tile_reads_as_its_labels_with_and_without_the_agent():
    atlas = torch.from_numpy(np.array(view_atlas(8)))  # (2 N_CODES, 8, 8, 3): 1-cell views
    labels = TileReader(8)(atlas)[:, 0]  # (2 N_CODES, 3)
    expected = symbolic_view(np.tile(np.arange(N_CODES), 2))  # (2 N_CODES, 3)
    np.testing.assert_array_equal(labels.numpy(), expected)


def test_views_of_random_walks_read_as_the_numpy_decoder_reads_them():
    env, images = VLNEnv(), []
    for seed in range(3):
        obs, _ = env.reset(seed=seed)
        images.append(obs["image"])
        for action in np.random.default_rng(seed).integers(0, 6, 30).tolist():
            obs, *_ = env.step(action)
            images.append(obs["image"])
    views = np.stack(images)  # (N, 56, 56, 3)
    reader = TileReader(8)
    expected = symbolic_cells(views)  # (N, 49, 3)
    np.testing.assert_array_equal(reader(torch.from_numpy(views)).numpy(), expected)
    np.testing.assert_array_equal(reader(torch.from_numpy(views).float()).numpy(), expected)


def test_a_view_vlnenv_never_draws_is_refused_naming_the_cell():
    view = np.array(view_atlas(8)[:49]).reshape(7, 7, 8, 8, 3).swapaxes(1, 2).reshape(56, 56, 3)
    view = np.stack([view, view])  # (2, 56, 56, 3)
    view[1, 8 + 3, 16 + 2, 0] ^= 1  # one pixel of view 1, cell (1, 2) = index 9
    with pytest.raises(ModelError, match=r"view 1, cell 9: .* \(1 such cells\)"):
        TileReader(8)(torch.from_numpy(view))
