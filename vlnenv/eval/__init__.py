"""Evaluation: running a policy over a suite split and scoring what it did.

* :mod:`vlnenv.eval.protocol`: the :class:`Policy` interface the evaluator drives.
* :mod:`vlnenv.eval.evaluate`: :func:`evaluate` runs a policy on a suite split and returns
  one record per episode (:func:`evaluate_episodes` on episode records of one's own);
  :func:`stack_obs` batches single observations for a policy.
* :mod:`vlnenv.eval.distances`: cell distances (geodesic, Manhattan) the metrics take.
* :mod:`vlnenv.eval.metrics`: the navigation metrics (NE, SR, OSR, TL, SPL, nDTW, SDTW, CLS)
  as pure functions of paths and a distance.
* :mod:`vlnenv.eval.stats`: means with confidence intervals, and comparisons of two agents.
* :mod:`vlnenv.eval.baselines`: the baseline policies (random, forward, oracle, explorer,
  rules).
* :mod:`vlnenv.eval.failures`: :func:`~vlnenv.eval.failures.failure_cause`, why a failed
  episode failed (one cause per episode, per family), from its actions.
"""

from vlnenv.eval.baselines import (
    ExplorerPolicy,
    ForwardPolicy,
    OraclePolicy,
    RandomPolicy,
    RulesPolicy,
)
from vlnenv.eval.distances import geodesic, manhattan
from vlnenv.eval.evaluate import (
    RECORD_KEYS,
    episode_seed,
    evaluate,
    evaluate_episodes,
    score_episode,
    select_episodes,
    stack_obs,
)
from vlnenv.eval.metrics import METRIC_KEYS, episode_metrics
from vlnenv.eval.protocol import Policy, expert_kind
from vlnenv.eval.stats import OVERALL, aggregate, compare, mean_ci

__all__ = [
    "METRIC_KEYS",
    "OVERALL",
    "RECORD_KEYS",
    "ExplorerPolicy",
    "ForwardPolicy",
    "OraclePolicy",
    "Policy",
    "RandomPolicy",
    "RulesPolicy",
    "aggregate",
    "compare",
    "episode_metrics",
    "episode_seed",
    "evaluate",
    "evaluate_episodes",
    "expert_kind",
    "geodesic",
    "manhattan",
    "mean_ci",
    "score_episode",
    "select_episodes",
    "stack_obs",
]
