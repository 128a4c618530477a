"""The ``checkpoint``, ``sampled``, ``margin``, ``parts`` and ``whole`` factories of the
benchmark's policy registry: a trained model loaded from disk, as a
:class:`~agents.evaluation.model_policy.ModelPolicy`.

``vln benchmark --policy runs/X/best`` (a model folder written by ``save_pretrained``) or
``--policy runs/X/last.pt`` (a training checkpoint) builds a :class:`ModelPolicy` through
:func:`checkpoint_policy`; ``--policy sampled:runs/X/best`` a :class:`SampledModelPolicy`
(``sampled:runs/X/best@0.5`` samples at temperature 0.5). A model reads a sequence
instruction as its ``config.read_parts`` says; ``--policy parts:runs/X/best`` makes it read
one part at a time (:mod:`agents.evaluation.parts`) and ``whole:runs/X/best`` read it whole,
whatever the model says (both greedy); ``margin:runs/X/best@1.5`` stops only where the
STOP logit beats every other action's by more than 1.5; ``ensemble:runs/a/best+runs/b/best``
acts on the mean of several models' action distributions
(:mod:`agents.evaluation.ensemble`), greedy.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

from agents.benchmark.errors import PolicyLookupError
from agents.evaluation.ensemble import EnsemblePolicy, ModelEnsemble
from agents.evaluation.model_policy import ModelPolicy, SampledModelPolicy
from agents.models import MultimodalTransformer, pick_device
from agents.train.checkpoint import load_model
from agents.train.errors import TrainError


def _model_at(name: str, argument: str | None) -> MultimodalTransformer:
    """The model behind policy ``name:PATH`` (a model folder or a training checkpoint), on
    cuda when there is one.

    Raises:
        TrainError: no path, or nothing loadable there.
    """
    if not argument:
        raise TrainError(f"policy {name!r} needs a path: {name}:runs/NAME/best (a model "
                         f"folder) or {name}:runs/NAME/last.pt")
    return load_model(argument, pick_device("auto"))


def checkpoint_policy(argument: str | None, seed: int) -> ModelPolicy:
    """``checkpoint:PATH``: the model of a model folder (``save_pretrained``) or of a
    training checkpoint file, greedy (see :func:`_model_at`)."""
    return ModelPolicy(_model_at("checkpoint", argument), str(Path(argument or "")))


def split_value(argument: str | None, policy: str = "sampled",
                what: str = "a sampling temperature",
                zero: bool = False) -> tuple[str | None, float]:
    """``"PATH@V"`` -> ``("PATH", V)``; ``"PATH"`` -> ``("PATH", 1.0)``. A ``PATH``
    that exists as written is taken whole, ``@`` and all.

    Raises:
        PolicyLookupError: ``V`` is not a finite number > 0 (``>= 0`` with ``zero``).
    """
    if argument is None or "@" not in argument or os.path.exists(argument):
        return argument, 1.0
    path, _, text = argument.rpartition("@")
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (value >= 0 if zero else value > 0) or math.isinf(value):
        bound = ">= 0" if zero else "> 0"
        raise PolicyLookupError(f"policy '{policy}:{argument}': expected {policy}:PATH@V with V "
                                f"{what} {bound}, got {text!r}")
    return path, value


def split_temperature(argument: str | None) -> tuple[str | None, float]:
    """``sampled:PATH[@T]``'s ``(PATH, T)`` (:func:`split_value`; ``T`` 1 when left out)."""
    return split_value(argument)


def sampled_policy(argument: str | None, seed: int) -> SampledModelPolicy:
    """``sampled:PATH[@T]``: the same model, its actions sampled from ``softmax(logits /
    T)`` (``T`` 1 when left out) with per-episode generators from ``seed`` (see
    :func:`_model_at`)."""
    path, temperature = split_temperature(argument)
    return SampledModelPolicy(_model_at("sampled", path), str(Path(path or "")),
                              temperature=temperature, seed=seed)


def parts_policy(argument: str | None, seed: int) -> ModelPolicy:
    """``parts:PATH``: the model, greedy, reading a sequence instruction one part at a time
    (:mod:`agents.evaluation.parts`) whatever its ``config.read_parts`` says (see
    :func:`_model_at`)."""
    return ModelPolicy(_model_at("parts", argument), str(Path(argument or "")),
                       read_parts=True)


def whole_policy(argument: str | None, seed: int) -> ModelPolicy:
    """``whole:PATH``: the model, greedy, reading every instruction whole whatever its
    ``config.read_parts`` says (see :func:`_model_at`)."""
    return ModelPolicy(_model_at("whole", argument), str(Path(argument or "")),
                       read_parts=False, read_route_parts=False)


def margin_policy(argument: str | None, seed: int) -> ModelPolicy:
    """``margin:PATH@m``: the model, greedy, stopping only where the STOP logit beats
    every other action's by more than ``m`` (see :class:`ModelPolicy`; ``@m`` left out:
    1.0)."""
    path, margin = split_value(argument, "margin", "a stop margin", zero=True)
    return ModelPolicy(_model_at("margin", path), str(Path(path or "")), stop_margin=margin)


def ensemble_policy(argument: str | None, seed: int) -> EnsemblePolicy:
    """``ensemble:PATH+PATH[+PATH...]``: the models at the ``+``-separated paths (each a
    model folder or a training checkpoint, see :func:`_model_at`) acting as one, greedy on
    the mean of their action distributions (:class:`ModelEnsemble`).

    Raises:
        PolicyLookupError: fewer than two paths, or one named twice.
    """
    paths = (argument or "").split("+")
    if len(paths) < 2 or not all(paths):
        raise PolicyLookupError(f"policy 'ensemble:{argument or ''}': expected "
                                "ensemble:PATH+PATH[+PATH...], two or more model folders or "
                                "checkpoints joined by '+'")
    if len(set(paths)) != len(paths):
        raise PolicyLookupError(f"policy 'ensemble:{argument}': a member is named twice; "
                                "expected distinct models")
    models = [_model_at("ensemble", p) for p in paths]
    return EnsemblePolicy(ModelEnsemble(models), [str(Path(p)) for p in paths])
