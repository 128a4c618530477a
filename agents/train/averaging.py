"""Weight averaging: an exponential moving average of the policy's weights (``optim.ema``).

After every optimiser step the averaged weights move towards the trained ones::

    w̄_1 = w_1,        w̄_t = β · w̄_(t-1) + (1 − β) · w_t        (β = optim.ema)

so ``w̄_t`` weighs the step ``t − k`` by ``(1 − β) β^k``: a mean over the last ``~1 / (1 − β)``
steps (half of the weight within ``ln 2 / (1 − β)`` steps; 693 for ``β = 0.999``). The
average sits nearer the middle of the region the optimiser's noise keeps the weights
moving in than any one step does (Polyak & Juditsky, 1992, "Acceleration of Stochastic
Approximation by Averaging"; Izmailov et al., 2018, "Averaging Weights Leads to Wider
Optima and Better Generalization"). The run evaluates and exports the averaged weights
(``best/``, ``last/``); the optimiser keeps training its own, which the checkpoint keeps
for an exact ``--resume`` and the run exports as ``raw/`` beside them, so one run gives
both for a paired comparison.

The update is ``torch.optim.swa_utils.AveragedModel`` with ``get_ema_multi_avg_fn``
(one ``_foreach_lerp_`` over the parameters); the model has no buffers to average.

:func:`average_models` averages several models' weights uniformly, ``w̄ = (1/K) Σ_k w_k``
(a "model soup", Wortsman et al., 2022: runs fine-tuned from the same weights; one forward
a step, where ``ensemble:`` takes ``K``); ``scripts/weight_soup.py`` writes it as a model
folder.
"""

from __future__ import annotations

from typing import Any

import torch
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from agents.models import ModelError, MultimodalTransformer
from agents.models.model_folder import check_finite
from agents.train.errors import TrainError


def averaged_copy(model: MultimodalTransformer, decay: float) -> AveragedModel | None:
    """An exponential moving average of ``model``'s weights with decay ``decay`` (``None``
    when ``decay`` is 0: averaging off). Its first :meth:`AveragedModel.update_parameters`
    copies the weights; each later one is the update in the module docstring."""
    if decay <= 0:
        return None
    average = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(decay))
    average.module.eval()  # evaluated and exported, never trained
    return average


def averaged_model(average: AveragedModel) -> MultimodalTransformer:
    """The averaged weights as a model (the same object at every call)."""
    module = average.module
    assert isinstance(module, MultimodalTransformer)
    return module


def averaged_state(average: AveragedModel) -> dict[str, Any]:
    """The checkpoint entry of ``average``: its weights (on the CPU) and how many steps it
    has taken in."""
    return {"weights": {k: v.detach().cpu() for k, v in
                        averaged_model(average).state_dict().items()},
            "updates": int(average.n_averaged)}


def load_averaged_state(average: AveragedModel, state: Any, where: str) -> None:
    """Restore :func:`averaged_state`'s entry into ``average``.

    Raises:
        TrainError: no entry (a checkpoint written with ``optim.ema = 0``), or one whose
            weights do not fit the model or are not finite.
    """
    if not isinstance(state, dict) or "weights" not in state or "updates" not in state:
        raise TrainError(f"{where}: no averaged weights in the checkpoint (optim.ema is on, "
                         "so the run that wrote it kept them); expected a checkpoint written "
                         "by a run with the same optim.ema")
    try:
        check_finite(state["weights"], f"{where}: averaged weights")
        averaged_model(average).load_state_dict(state["weights"], strict=True)
        average.n_averaged.fill_(int(state["updates"]))
    except (ModelError, ValueError, RuntimeError, TypeError) as err:
        raise TrainError(f"{where}: the averaged weights do not load "
                         f"({' '.join(str(err).split())[:300]})") from None


def average_models(models: list[MultimodalTransformer],
                   where: list[str]) -> MultimodalTransformer:
    """A model whose weights are the uniform mean of ``models``' (``models[0]`` is
    overwritten and returned; each entry averaged in float32, then cast back).

    Args:
        models: two or more models of one config and vocabulary.
        where: a name for each model in the errors (its path).

    Raises:
        TrainError: fewer than two models, or one whose config or vocabulary differs from
            the first's (weights of different shapes or meanings cannot be averaged).
    """
    if len(models) < 2:
        raise TrainError(f"averaging weights needs two or more models; got {len(models)}")
    first = models[0]
    for model, name in zip(models[1:], where[1:], strict=True):
        if model.config != first.config:
            raise TrainError(f"{name}: its model config differs from {where[0]}'s; expected "
                             "models of one config (runs of one recipe)")
        if list(model.tokenizer.tokens) != list(first.tokenizer.tokens):
            raise TrainError(f"{name}: its vocabulary differs from {where[0]}'s; expected "
                             "models of one vocabulary")
    states = [m.state_dict() for m in models]
    mean = {k: (sum(s[k].float() for s in states) / len(states)).to(v.dtype)
            for k, v in states[0].items()}
    first.load_state_dict(mean)
    return first


def checkpoint_weights(data: dict[str, Any]) -> dict[str, torch.Tensor]:
    """The weights a checkpoint's run evaluated: the averaged ones when it kept an average
    (``optim.ema``), else the trained ones."""
    average = data.get("ema")
    if isinstance(average, dict) and "weights" in average:
        return average["weights"]
    return data["model"]
