"""Speaker augmentation (Speaker-Follower, Fried et al. 2018; EnvDrop, Tan et al. 2019): a
pretrained speaker (``vln pretrain``'s ``caption`` objective, :mod:`agents.pretrain.speaker`)
writes the instruction of each demonstration of fresh episodes, from
:data:`~vlnenv.pretrain.trajectories.FRAMES` views along its reference path (greedy
decoding, as ``vln pretrain eval`` scores it); behaviour cloning then learns from the real
demonstrations plus these (``data.speaker``, :func:`agents.train.bc.load_demos_for`).

The actions, labels and step records stay the teacher's: only the text changes, so a
generated instruction that describes another task is label noise in the words alone."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import torch

from agents.pretrain.model import PretrainModel
from agents.train.data.demo_set import DemoSet
from vlnenv.language.vocab import Tokenizer
from vlnenv.pretrain.trajectories import trajectory_codes
from vlnenv.pretrain.views import render_views
from vlnenv.tasks.episode import Episode
from vlnenv.world.house import House


@torch.no_grad()
def speak(model: PretrainModel, episodes: Sequence[Episode], houses: Mapping[str, House],
          batch: int = 128, max_len: int = 100) -> list[str]:
    """The speaker's greedy instruction for each episode's reference path (``""`` where it
    writes no word)."""
    codes = trajectory_codes(list(episodes), dict(houses))  # (E, K, V, V)
    tok = Tokenizer()
    out: list[str] = []
    for i in range(0, len(codes), batch):
        images = torch.as_tensor(render_views(codes[i:i + batch]),
                                 device=model.device)  # (b, K, S, S, 3)
        memory = model.trajectory.frames(model.path_frames(images))  # (b, K, C)
        out += [tok.decode(ids) for ids in model.speaker.greedy(memory, max_len)]
    return out


def respoken(demos: DemoSet, texts: Sequence[str]) -> DemoSet:
    """``demos`` with episode ``i``'s instruction replaced by ``texts[i]``; episodes whose
    text is empty are left out."""
    if len(texts) != len(demos):
        raise ValueError(f"{len(texts)} texts for {len(demos)} demonstrations")
    keep = [i for i, t in enumerate(texts) if t.strip()]
    out = demos.subset(keep)
    out.episodes = [dataclasses.replace(ep, instruction=texts[i])
                    for ep, i in zip(out.episodes, keep, strict=True)]
    return out
