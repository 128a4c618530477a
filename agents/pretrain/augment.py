"""Speaker augmentation (Speaker-Follower, Fried et al. 2018; EnvDrop, Tan et al. 2019): a
pretrained speaker (``vln pretrain``'s ``caption`` objective, :mod:`agents.pretrain.speaker`)
writes the instruction of each demonstration of fresh episodes, from
:data:`~vlnenv.pretrain.trajectories.FRAMES` views along its reference path (greedy
decoding, as ``vln pretrain eval`` scores it); behaviour cloning then learns from the real
demonstrations plus these: ``vln pretrain speak RUN --out FILE`` writes them as a
demonstrations file, ``vln train bc --set 'data.extra_demos=["FILE"]'`` adds it.

The actions, labels and step records stay the teacher's: only the text changes, so a
generated instruction that describes another task is label noise in the words alone."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import torch

from agents.pretrain.model import PretrainModel
from agents.train.data.demo_set import DemoSet
from agents.train.data.demos import ensure_demos, select_teachers
from agents.train.errors import TrainError
from agents.train.sections import DEFAULT_TEACHERS
from vlnenv.language.vocab import Tokenizer
from vlnenv.pretrain.trajectories import trajectory_codes
from vlnenv.pretrain.verify import verified_share
from vlnenv.pretrain.views import render_views
from vlnenv.suites.load import Suite
from vlnenv.tasks.episode import Episode
from vlnenv.world.house import House


@torch.no_grad()
def speak(model: PretrainModel, episodes: Sequence[Episode], houses: Mapping[str, House],
          batch: int = 128, max_len: int = 100) -> list[str]:
    """The speaker's greedy instruction for each episode's reference path (``""`` where it
    writes no word)."""
    codes = trajectory_codes(episodes, houses)  # (E, K, V, V)
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
    text is empty are left out.

    Raises:
        TrainError: not one text per demonstration.
    """
    if len(texts) != len(demos):
        raise TrainError(f"{len(texts)} texts for {len(demos)} demonstrations; expected one "
                         "each")
    keep = [i for i, t in enumerate(texts) if t.strip()]
    out = demos.subset(keep)
    out.episodes = [dataclasses.replace(ep, instruction=texts[i])
                    for ep, i in zip(out.episodes, keep, strict=True)]
    return out


def spoken_demos(model: PretrainModel, suite: Suite, n: int, families: Sequence[str],
                 split: str = "train", seed: int = 1, demos_dir: str | Path = "runs/demos",
                 workers: int = 1, log: Callable[[str], None] | None = None) -> DemoSet:
    """``n`` teacher demonstrations of ``families`` on fresh episodes of ``suite``'s
    ``split`` houses, their instructions written by ``model``'s speaker (those it writes
    nothing for left out).

    The episodes are the first ``n`` of ``families`` among ``ceil(n * F / f)`` sampled with
    ``seed`` (the suite's ``F`` families in turn,
    :func:`agents.train.data.demos.sample_split_episode`), each demonstrated by its
    family's default teacher (``DEFAULT_TEACHERS``), successful ones only. The set's
    ``meta`` records ``verified``: the share of its instructions that describe their
    trajectory's task (:mod:`vlnenv.pretrain.verify`).

    Raises:
        TrainError: a family the suite does not sample.
    """
    cycle = suite.spec.families
    unknown = [f for f in families if f not in cycle]
    if unknown or not families:
        raise TrainError(f"families {list(families)}: suite {suite.name} samples "
                         f"{list(cycle)}")
    sampled = -(-n * len(cycle) // len(families))
    teachers = sorted(set(DEFAULT_TEACHERS.values()))
    sets = {t: ensure_demos(suite, split, t, demos_dir, sampled, seed, workers, log=log)
            for t in teachers}
    demos = select_teachers(sets, DEFAULT_TEACHERS)
    demos = demos.subset([i for i, ep in enumerate(demos.episodes)
                          if ep.family in families][:n])
    out = respoken(demos, speak(model, demos.episodes, suite.houses))
    share = verified_share([ep.instruction for ep in out.episodes], out.episodes,
                           suite.houses) if len(out) else 0.0
    out.meta = {**out.meta, "speaker_families": list(families), "verified": share}
    return out
