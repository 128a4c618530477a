"""The policy registry of ``vln benchmark --policy``: name -> factory.

A policy is named by a string, ``NAME`` or ``NAME:ARGUMENT`` (``forward:30``; a checkpoint
loader would take ``checkpoint:runs/bc/best.pt``). Factories are given as entry points,
``"module:function"`` strings imported on first use (as Gymnasium's ``register`` does), so
a worker process can rebuild any policy from its name alone, and registering a policy
costs no import. A factory is called as ``factory(argument, seed)`` with ``argument`` the
text after the colon (``None`` without one) and returns a :class:`vlnenv.eval.protocol.Policy`.

A name that is a path to an existing file or folder is read as ``checkpoint:<path>`` when
a ``checkpoint`` factory is registered
(``agents.benchmark.model_factories:checkpoint_policy``: a model folder written by
``save_pretrained``, or a training checkpoint).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable

from agents.benchmark.errors import PolicyLookupError
from vlnenv.eval.baselines import (
    ExplorerPolicy,
    ForwardPolicy,
    OraclePolicy,
    RandomPolicy,
    RulesPolicy,
)
from vlnenv.eval.protocol import Policy

PolicyFactory = Callable[[str | None, int], Policy]

#: A folder holding this file -> the policy that reads it, so ``--policy DIR`` picks it
#: before ``checkpoint`` (an SB3 policy saved by ``vln train sb3``).
PATH_POLICIES: dict[str, str] = {"sb3_policy.json": "sb3"}


#: Policy name -> factory or ``"module:function"`` entry point.
POLICIES: dict[str, PolicyFactory | str] = {}


def register_policy(name: str, factory: PolicyFactory | str) -> None:
    """Register ``factory`` (a callable or a ``"module:function"`` string) as ``name``.

    Raises:
        PolicyLookupError: ``name`` is taken, contains ``:``, or ``factory`` is neither a
            callable nor an entry-point string.
    """
    if not name or ":" in name:
        raise PolicyLookupError(f"policy name {name!r}: expected a non-empty name without ':'")
    if name in POLICIES:
        raise PolicyLookupError(f"policy {name!r} is already registered ({POLICIES[name]!r})")
    if not (callable(factory) or (isinstance(factory, str) and factory.count(":") == 1)):
        raise PolicyLookupError(f"policy {name!r}: factory {factory!r} is neither callable "
                                "nor a 'module:function' string")
    POLICIES[name] = factory


def _resolve(name: str) -> PolicyFactory:
    factory = POLICIES[name]
    if callable(factory):
        return factory
    module, attr = factory.split(":")
    return getattr(importlib.import_module(module), attr)


def looks_like_path(spec: str) -> bool:
    """Whether a policy spec that is not registered was meant as a file or folder: it has
    a path separator or a ``.pt`` suffix, or starts with ``.`` or ``~``."""
    return ("/" in spec or os.sep in spec or spec.endswith(".pt")
            or spec.startswith((".", "~")))


def parse_policy(spec: str) -> tuple[str, str | None]:
    """``"forward:30"`` -> ``("forward", "30")``; an existing folder ``p`` holding a file
    of :data:`PATH_POLICIES` -> that policy's ``(name, p)``; any other existing file or
    folder ``p`` -> ``("checkpoint", p)`` when ``checkpoint`` is registered."""
    if spec not in POLICIES and os.path.isdir(spec):
        for marker, name in PATH_POLICIES.items():
            if name in POLICIES and os.path.isfile(os.path.join(spec, marker)):
                return name, spec
    if spec not in POLICIES and "checkpoint" in POLICIES and os.path.exists(spec):
        return "checkpoint", spec
    name, sep, argument = spec.partition(":")
    return name, (argument if sep else None)


def make_policy(spec: str, seed: int = 0) -> Policy:
    """Build the policy named by ``spec`` (see the module docstring).

    Raises:
        PolicyLookupError: unknown name, or an argument the factory refuses.
    """
    name, argument = parse_policy(spec)
    if name not in POLICIES and looks_like_path(spec):
        raise PolicyLookupError(f"{spec}: no model folder or training checkpoint there; "
                                "expected a folder written by save_pretrained (runs/NAME/best)"
                                f", a .pt checkpoint, or a policy name {sorted(POLICIES)}")
    if name not in POLICIES:
        raise PolicyLookupError(f"unknown policy {name!r}; expected one of {sorted(POLICIES)} "
                                "(optionally NAME:ARGUMENT)")
    return _resolve(name)(argument, seed)


def _no_argument(name: str, argument: str | None) -> None:
    if argument is not None:
        raise PolicyLookupError(f"policy {name!r} takes no argument, got {argument!r}")


def random_policy(argument: str | None, seed: int) -> Policy:
    """``random``: :class:`RandomPolicy` seeded with the benchmark seed."""
    _no_argument("random", argument)
    return RandomPolicy(seed)


def forward_policy(argument: str | None, seed: int) -> Policy:
    """``forward[:N]``: :class:`ForwardPolicy` stopping after ``N`` actions (default 20)."""
    if argument is None:
        return ForwardPolicy()
    try:
        return ForwardPolicy(int(argument))
    except ValueError:
        raise PolicyLookupError(f"policy 'forward:{argument}': expected forward:N with N an "
                                "integer number of steps") from None


def oracle_policy(argument: str | None, seed: int) -> Policy:
    """``oracle``: :class:`OraclePolicy`, the shortest-path oracle's actions."""
    _no_argument("oracle", argument)
    return OraclePolicy()


def explorer_policy(argument: str | None, seed: int) -> Policy:
    """``explorer``: :class:`ExplorerPolicy`, the explorer on the true task."""
    _no_argument("explorer", argument)
    return ExplorerPolicy()


def rules_policy(argument: str | None, seed: int) -> Policy:
    """``rules``: :class:`RulesPolicy`, parsed words carried out by the explorer
    (symbolic perception, no learning)."""
    _no_argument("rules", argument)
    return RulesPolicy()


register_policy("random", "agents.benchmark.registry:random_policy")
register_policy("forward", "agents.benchmark.registry:forward_policy")
register_policy("oracle", "agents.benchmark.registry:oracle_policy")
register_policy("explorer", "agents.benchmark.registry:explorer_policy")
register_policy("rules", "agents.benchmark.registry:rules_policy")
register_policy("checkpoint", "agents.benchmark.model_factories:checkpoint_policy")
register_policy("sampled", "agents.benchmark.model_factories:sampled_policy")
register_policy("parts", "agents.benchmark.model_factories:parts_policy")
register_policy("margin", "agents.benchmark.model_factories:margin_policy")
register_policy("ensemble", "agents.benchmark.model_factories:ensemble_policy")
register_policy("whole", "agents.benchmark.model_factories:whole_policy")
register_policy("sb3", "agents.rl.sb3:sb3_policy")
