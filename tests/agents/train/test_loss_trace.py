"""The losses of a short run are pinned: a refactor of the model, the data or the trainer
that changes any of them (a reordered random draw, a moved layer norm) fails here.

The figures were recorded before the policy was rebuilt from parts (issue 22) and are kept
unchanged since; ``benchmarks/behaviour_trace.py`` checks the same for 200 steps of the
full quickstart run and the trained model's actions on ``small/val_unseen``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import load_script

#: ``benchmarks/behaviour_trace.py``: its ``loss_trace`` runs and records the steps.
TRACE = load_script("benchmarks/behaviour_trace.py")

#: (config, overrides) of each pinned run: the quickstart's model (every part on) on the
#: three goal-finding families (``quickstart_v9``, the quickstart before route parts), and
#: the plain single-stream policy of the default ModelConfig.
RUNS: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "quickstart": ("quickstart_v9", ()),  # the three families it was pinned on
    "single_stream": (None, ("model.n_embd=32", "model.n_head=2", "model.n_text_layer=1",
                             "model.n_fusion_layer=1")),
}

#: Per-step total losses of the runs above (CPU, one thread, seed 0).
PINNED: dict[str, list[float]] = {
    "quickstart": [14.559859275817871, 12.786422729492188, 12.288070678710938,
                   11.397581100463867, 10.80988597869873, 10.669535636901855,
                   10.020176887512207, 8.810761451721191, 8.737466812133789,
                   8.809455871582031, 8.34956169128418, 8.649347305297852],
    "single_stream": [1.8668495416641235, 1.7925808429718018, 1.7484480142593384,
                      1.6408766508102417, 1.5607798099517822, 1.6506540775299072,
                      1.5674093961715698, 1.557662010192871, 1.5397368669509888,
                      1.5291624069213867, 1.5557568073272705, 1.4829168319702148],
}


@pytest.mark.parametrize("name", sorted(RUNS))
def test_the_first_steps_losses_are_the_pinned_ones(name: str, demos_dir: Path):
    config, overrides = RUNS[name]
    losses = TRACE.loss_trace(12, config, [
        *overrides, "data.suite=tiny", f"data.demos_dir={demos_dir}", "data.lanes=4",
        "data.chunk=8", "data.render_batch=8", "optim.warmup_steps=2", "eval.batch=1"])["loss"]
    assert losses == pytest.approx(PINNED[name], rel=1e-5, abs=1e-6)
