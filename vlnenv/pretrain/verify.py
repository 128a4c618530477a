"""Does a generated instruction describe the true trajectory's task? The check behind the
speaker's *verified share* (``vln pretrain eval``).

A generated text is **accepted** for an episode when it reads as exactly one task in the
episode's house (:func:`vlnenv.language.parse.parse`, from the episode's start) and the
true trajectory — the oracle's actions for the episode's own task — carries that task out
(its verdict at the final ``stop`` is ``SUCCESS``). A text the parser refuses (unknown
words, an ambiguous or missing referent, an impossible route), or whose task the
trajectory does not carry out, is not. BLEU counts shared n-grams; this counts meanings:
"go to the kitchen" for a walk to the bathroom shares most words with the truth and is
rejected; "walk into the kitchen" for the same walk as "go to the kitchen" is accepted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from vlnenv.errors import EvaluationError, ParseError, TaskError
from vlnenv.language.parse import parse
from vlnenv.tasks.episode import Episode
from vlnenv.tasks.run import EpisodeRun
from vlnenv.tasks.solver import oracle_actions
from vlnenv.world.house import House


def true_actions(episode: Episode, house: House) -> list[int]:
    """The oracle's actions for ``episode``'s own task, ending with ``stop``."""
    return oracle_actions(EpisodeRun(episode, house))


def describes(text: str, episode: Episode, house: House,
              actions: Sequence[int] | None = None) -> bool:
    """Whether ``text`` reads as a task that the true trajectory (``actions``, by default
    :func:`true_actions`) carries out in ``house`` from ``episode``'s start."""
    try:
        instruction = parse(text, house, episode.start)
    except ParseError:
        return False
    run = EpisodeRun.of_instruction(instruction, episode.start)
    try:
        run.replay(true_actions(episode, house) if actions is None else actions)
    except TaskError:  # the parsed task ended before the trajectory did
        return False
    return run.success


def verified_share(texts: Sequence[str], episodes: Sequence[Episode],
                   houses: Mapping[str, House],
                   actions: Sequence[Sequence[int]] | None = None) -> float:
    """The share of ``texts[i]`` that :func:`describes` ``episodes[i]`` (in its house);
    ``actions[i]`` is episode ``i``'s true trajectory (:func:`true_actions`, worked out here
    once per episode when ``None``; pass them to score several text lists of the same
    episodes).

    Raises:
        EvaluationError: ``texts``, ``episodes`` (and ``actions``) differ in length, or are
            empty.
    """
    if len(texts) != len(episodes) or not texts:
        raise EvaluationError(f"{len(texts)} texts for {len(episodes)} episodes; expected as "
                              "many, at least one")
    if actions is None:
        known: dict[str, list[int]] = {}
        for ep in episodes:
            if ep.episode_id not in known:
                known[ep.episode_id] = true_actions(ep, houses[ep.house])
        actions = [known[ep.episode_id] for ep in episodes]
    if len(actions) != len(episodes):
        raise EvaluationError(f"{len(actions)} trajectories for {len(episodes)} episodes; "
                              "expected one each")
    accepted = sum(describes(t, ep, houses[ep.house], a)
                   for t, ep, a in zip(texts, episodes, actions, strict=True))
    return accepted / len(texts)
