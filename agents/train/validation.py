"""Teacher-forced scores on held-out demonstrations: how well a policy predicts the
teacher's next action on episodes (and houses) it never trained on.

Closed-loop success (:mod:`vlnenv.eval.evaluate`) is the measure that counts, but while a
policy is weak it sits at 0 % and cannot tell two runs apart. The held-out negative
log-likelihood of the teacher's actions, ``-1/N sum_t log p(a*_t | o_<=t, instruction)``
(the validation loss of behaviour cloning), and the arg-max accuracy still can: they are
what the ablation and scaling studies report next to the success rate.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from agents.models import MultimodalTransformer, autocast_context
from agents.train.data.demo_set import DemoSet
from agents.train.data.replay import Replayer
from vlnenv.world.house import House


def score_demos(model: MultimodalTransformer, demos: DemoSet, houses: Mapping[str, House],
                group: int = 64) -> dict[str, dict[str, float]]:
    """Teacher-forced NLL and accuracy of ``model`` on ``demos``, per family and overall.

    Each demonstration is run from the initial state through ``forward_sequence`` (its
    observations re-rendered, ``group`` at a time, padded at the end; padding never
    reaches earlier steps of a recurrent policy).

    Returns:
        ``{family | "overall": {"nll", "accuracy", "steps", "episodes"}}``.
    """
    replayer = Replayer(houses, group)
    sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])
    was_training = model.training
    model.eval()
    try:
        for start in range(0, len(demos), group):
            idx = list(range(start, min(start + group, len(demos))))
            items = [(demos.episodes[i], demos.actions[i]) for i in idx]
            rendered = replayer.render(items)
            lengths = [len(demos.labels[i]) for i in idx]
            G, T = len(idx), max(lengths)
            side = rendered[0].image.shape[1]
            image = np.zeros((G, T, side, side, 3), np.uint8)
            direction = np.zeros((G, T), np.int64)
            carrying = np.zeros((G, T), np.int64)
            gps = np.zeros((G, T, 2), np.int64)
            labels = np.zeros((G, T), np.int64)
            valid = np.zeros((G, T), bool)
            for g, (r, n, i) in enumerate(zip(rendered, lengths, idx, strict=True)):
                image[g, :n], direction[g, :n], carrying[g, :n] = r.image, r.direction, r.carrying
                gps[g, :n] = r.gps
                labels[g, :n], valid[g, :n] = demos.labels[i], True
            obs = {"image": image, "direction": direction, "carrying": carrying, "gps": gps,
                   "instruction": [demos.episodes[i].instruction for i in idx]}
            done = np.zeros((G, T), bool)
            done[:, 0] = True
            with torch.no_grad(), autocast_context(model.device):
                logits = model.forward_sequence(obs, None, done).logits.float()  # (G, T, A)
            target = torch.from_numpy(labels).to(logits.device)  # (G, T)
            nll = F.cross_entropy(logits.flatten(0, 1), target.flatten(),
                                  reduction="none").view(G, T).cpu().numpy()  # (G, T)
            hit = (logits.argmax(-1) == target).cpu().numpy()  # (G, T)
            for g, i in enumerate(idx):
                m = valid[g]
                for key in (demos.episodes[i].family, "overall"):
                    acc = sums[key]
                    acc[0] += float(nll[g][m].sum())
                    acc[1] += float(hit[g][m].sum())
                    acc[2] += float(m.sum())
                    acc[3] += 1
    finally:
        model.train(was_training)
    return {key: {"nll": v[0] / v[2], "accuracy": v[1] / v[2], "steps": int(v[2]),
                  "episodes": int(v[3])}
            for key, v in sorted(sums.items())}


def held_out_demos(suite: Any, split: str, teacher: Mapping[str, str], demos_dir: str,
                   episodes: int | None = None, families: tuple[str, ...] | None = None,
                   workers: int = 1) -> DemoSet:
    """The teachers' demonstrations of ``split`` (each family from its teacher, as in
    training; generated into ``demos_dir`` when missing), of ``families`` only when given,
    the first ``episodes`` of them."""
    from agents.train.data.demos import ensure_demos, select_teachers

    sets = {t: ensure_demos(suite, split, t, demos_dir, 0, 0, workers)
            for t in sorted(set(teacher.values()))}
    demos = select_teachers(sets, dict(teacher))
    if families is not None:
        demos = demos.subset([i for i, ep in enumerate(demos.episodes) if ep.family in families])
    if episodes is not None:
        demos = demos.subset(range(min(episodes, len(demos))))
    return demos
