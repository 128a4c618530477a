"""Reading egocentric images back into cell codes: exact on everything the renderer draws,
a clear error on anything else."""

import numpy as np
import pytest

from vlnenv import VLNEnv
from vlnenv.errors import RenderError
from vlnenv.render.codes import N_CODES, encode
from vlnenv.render.decode import ViewDecoder, symbolic_cells
from vlnenv.render.tile_atlas import view_atlas
from vlnenv.wrappers import SymbolicObservation


def test_every_atlas_tile_decodes_to_its_code_with_and_without_the_agent():
    atlas = view_atlas(8)  # (2 N_CODES, 8, 8, 3): a 1-cell view per tile
    codes = ViewDecoder(8).codes(atlas)  # (2 N_CODES, 1, 1)
    np.testing.assert_array_equal(codes[:, 0, 0], np.tile(np.arange(N_CODES), 2))


def test_decoded_views_equal_the_symbolic_observation_along_random_walks():
    env, sym = VLNEnv(), SymbolicObservation(VLNEnv())
    for seed in range(5):
        obs, _ = env.reset(seed=seed)
        s_obs, _ = sym.reset(seed=seed)
        actions = np.random.default_rng(seed).integers(0, 6, 40)
        for action in [None, *actions.tolist()]:
            if action is not None:
                obs, *_ = env.step(action)
                s_obs, *_ = sym.step(action)
            np.testing.assert_array_equal(symbolic_cells(obs["image"]).reshape(7, 7, 3),
                                          s_obs["image"])


def test_batched_views_decode_cell_by_cell_in_row_major_order():
    atlas = view_atlas(8)
    picks = [encode(1), encode(5, 3), encode(7, 12), 0]  # (4,) codes; 0 is void (black)
    image = np.concatenate([np.concatenate([atlas[picks[0]], atlas[picks[1]]], 1),
                            np.concatenate([atlas[picks[2]], atlas[picks[3]]], 1)], 0)
    batch = np.stack([image, image[::-1, ::-1]])  # a 2x2-cell view; its flip (black stays)
    np.testing.assert_array_equal(ViewDecoder(8).codes(batch[:1])[0], [[picks[0], picks[1]],
                                                                       [picks[2], picks[3]]])
    with pytest.raises(RenderError, match=r"index \(1, 0, 1\)"):
        ViewDecoder(8).codes(batch)  # flipped tiles are drawn by no code


@pytest.mark.parametrize("image", [np.zeros((56, 56, 3), np.float32),
                                   np.zeros((56, 48, 3), np.uint8),
                                   np.zeros((52, 52, 3), np.uint8), np.zeros((56, 56), np.uint8)])
def test_images_of_the_wrong_type_or_shape_are_refused(image):
    with pytest.raises(RenderError, match="expected uint8 views"):
        ViewDecoder(8).codes(image)


def test_tiles_whose_bytes_are_not_whole_words_are_refused():
    with pytest.raises(RenderError, match="multiple of 8 bytes"):
        ViewDecoder(3)
