"""``GridHouseEnv``: follow an English instruction in a house seen through an egocentric
camera. Twin of :class:`~vlnenv.vector.batched.BatchedGridHouseEnv`, its ``N`` episodes in
numpy arrays (parity: ``tests/vlnenv/vector/test_batched.py``).

## Description
Each episode places the agent in a house (hand-made, from a suite, or generated) with an
instruction of one of the task families (``go_to_room``, ``go_to_object``, ``fetch``,
``follow_route``, ``sequence``). The agent must carry it out and then take ``stop``.

## Action Space
``Discrete(7)``: 0 turn_left, 1 turn_right, 2 forward, 3 pickup, 4 drop, 5 toggle, 6 stop
(Minigrid's order). Pickup, drop and toggle act on the cell in front.

## Observation Space
``Dict`` with

* ``image``: ``Box(0, 255, (V*tile, V*tile, 3), uint8)``, the egocentric RGB view, ``V``
  cells wide (default 7) at ``tile`` pixels a cell (default 8), the agent at the bottom
  centre facing up; walls and closed doors hide what lies behind them.
* ``direction``: ``Discrete(4)``, the heading (0 east, 1 south, 2 west, 3 north).
* ``carrying``: ``Discrete(1 + len(ObjectKind))``: 0 empty hands, else 1 + object kind.
* ``instruction``: ``Text``, the instruction in English.
* ``gps``: ``Box(-GPS_LIMIT, GPS_LIMIT, (2,), int64)``, the agent's cell minus the
  episode's start cell, ``(d_row, d_col)`` in grid axes (rows grow south): the agent's
  displacement from where it started, as the GPS sensor of Habitat's navigation tasks
  gives it (with ``direction`` as the compass). A requester waiting at the start
  (``fetch``) is at ``-gps``.

## Rewards
Sparse by default: on success, at ``stop``, ``1 - 0.9 * t / max_steps`` (``t`` = steps
taken, as Minigrid); 0 otherwise. With ``dense_reward=λ > 0``, each step also earns
``λ * (d_{t-1} - d_t)``, where ``d`` is the geodesic cell distance to the target of the
current stage of the task (the room or object to reach, the object to pick up, the
requester to return to); when the stage changes the baseline is reset, so a stage switch
itself earns nothing. This is potential-based shaping within each stage (Ng et al., 1999).

## Episode End
``terminated`` when the agent takes ``stop`` (success judged there); ``truncated`` when
``max_steps`` (from the episode record) actions were taken without stopping.

## Info
``pose`` (row, col, heading), ``success`` (bool, at stop), ``distance_to_goal``
(geodesic cells to the nearest goal cell), ``path`` (cells so far), ``step``,
``blocked`` (``forward`` would not move: the front cell is not floor or an open door),
``episode_id``, ``family``; with ``expert="oracle"``/``"explorer"``/``"both"``, the expert's
next action under ``expert_action`` (or ``oracle_action`` and ``explorer_action``);
``expert="rules"`` gives the rule-based agent's action (or ``parse_error``).

## Registered ids
``vlnenv/GridHouse-v0`` (generated small houses, all families), ``vlnenv/<Family>-v0`` for
each family, ``vlnenv/GridHouse-Large-v0`` and ``vlnenv/<Family>-Large-v0`` on large
generated houses. See :mod:`vlnenv.registration`.
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from vlnenv.actions import Action, as_action
from vlnenv.env.checks import check_reset_options
from vlnenv.env.config import EnvConfig, config_with
from vlnenv.env.observer import EgocentricObserver
from vlnenv.env.options import custom_episode, fixed_episode
from vlnenv.env.sources import EpisodeSource
from vlnenv.errors import EnvError, ParseError
from vlnenv.expert.kinds import EnvExpert, ExpertKind
from vlnenv.expert.oracle import Oracle, geodesic_cells
from vlnenv.language.instructions import Instruction
from vlnenv.language.parse import parse
from vlnenv.tasks.episode import MAX_INSTRUCTION_TEXT, Episode
from vlnenv.tasks.run import EpisodeRun
from vlnenv.tasks.solver import TaskSolver
from vlnenv.world.dynamics import EpisodeState
from vlnenv.world.house import CELL_DOOR_OPEN, CELL_FLOOR, House
from vlnenv.world.objects import ObjectKind

#: Characters an instruction may contain (the ``Text`` space's charset).
INSTRUCTION_CHARSET = string.ascii_letters + string.digits + " .,;:'!?-"
#: Bound of each ``gps`` component (houses are far smaller than this).
GPS_LIMIT = 2**15 - 1
_PASSABLE = frozenset({CELL_FLOOR, CELL_DOOR_OPEN})


def gps(pos: Sequence[int], start: Sequence[int]) -> np.ndarray:
    """``(2,)`` int64 ``gps`` observation: cell ``pos`` minus the start cell (the first two
    entries of ``start``, a cell or a pose)."""
    return np.array([int(pos[0]) - int(start[0]), int(pos[1]) - int(start[1])], np.int64)


RENDER_MODES = ("rgb_array", "human", "ansi")

def observation_space(config: EnvConfig) -> spaces.Dict:
    """The single environment's observation space under ``config`` (see the module
    docstring)."""
    side = config.view * config.tile
    return spaces.Dict(
        {
            "image": spaces.Box(0, 255, (side, side, 3), np.uint8),
            "direction": spaces.Discrete(4),
            "carrying": spaces.Discrete(1 + len(ObjectKind)),
            "instruction": spaces.Text(
                # the record's limit: every episode the format accepts is inside the space
                max_length=MAX_INSTRUCTION_TEXT, min_length=1, charset=INSTRUCTION_CHARSET
            ),
            "gps": spaces.Box(-GPS_LIMIT, GPS_LIMIT, (2,), np.int64),
        }
    )


def check_source(source: object) -> EpisodeSource:
    """``source``, or the default (small generated houses, all families) for ``None``.

    Raises:
        EnvError: not an :class:`EpisodeSource`.
    """
    if source is None:
        return EpisodeSource.generated()
    if not isinstance(source, EpisodeSource):
        raise EnvError(f"source must be an EpisodeSource (EpisodeSource.generated(...), "
                       f".houses(...), .episodes(...) or .suite(...)), got "
                       f"{type(source).__name__}")
    return source


class GridHouseEnv(gym.Env[dict[str, Any], int]):
    """Vision-and-language navigation in a grid house (see the module docstring).

    Args:
        source: where episodes come from (:class:`~vlnenv.env.sources.EpisodeSource`:
            ``.generated(size, families, prefetch)``, ``.houses(houses, families)``,
            ``.episodes(episodes, houses)``, ``.suite(name, split)``); by default tasks of
            every family on small generated houses.
        config: view, tile, reward shaping, experts in ``info`` and the render view
            (:class:`~vlnenv.env.config.EnvConfig`); the defaults when ``None``.
        render_mode: ``"rgb_array"``, ``"human"`` or ``"ansi"``.
        **settings: :class:`~vlnenv.env.config.EnvConfig` fields, replacing ``config``'s
            (``GridHouseEnv(expert="oracle")``).

    Raises:
        EnvError: a source or config of the wrong type, a setting that is not a config
            field, or an unknown render mode.
    """

    metadata = {"render_modes": list(RENDER_MODES), "render_fps": 8}

    def __init__(
        self,
        source: EpisodeSource | None = None,
        config: EnvConfig | None = None,
        render_mode: str | None = None,
        **settings: Any,
    ) -> None:
        if render_mode is not None and render_mode not in RENDER_MODES:
            raise EnvError(f"render_mode must be one of {RENDER_MODES}, got {render_mode!r}")
        self.config = config_with(config, settings)
        self.source = check_source(source)
        self.render_mode = render_mode
        self.action_space = spaces.Discrete(len(Action))
        self.observation_space = observation_space(self.config)
        self.run: EpisodeRun | None = None
        self.episode: Episode | None = None
        self._window: Any = None
        self.parse_error: str | None = None

    # ------------------------------------------------------------------ episode control
    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Start an episode.

        Options (see :mod:`vlnenv.env.options`): ``{"episode": Episode | dict, "house":
        House}`` plays a fixed record (the house may also come from ``house_map``);
        ``{"instruction": text, "house": House | path, "start": (row, col, heading)}``,
        each alone or together, reads a typed instruction (or samples one) in that house
        from that start, with reference path, goal and ``max_steps`` computed as for
        sampled episodes. Otherwise the source draws one with the environment's generator.

        Raises:
            EnvError: ``options`` is not a dict, has a key other than those of
                :data:`~vlnenv.env.checks.RESET_OPTIONS`, or mixes ``episode`` with
                ``instruction``/``start``.
            ParseError: the instruction is not exactly one task in the house.
            TaskError: a bad house or start.
        """
        super().reset(seed=seed)
        options = check_reset_options(options)
        if "episode" in options:
            house, episode = fixed_episode(options, self.house_map)
        elif options:
            house, episode = custom_episode(options, self.source, self.np_random)
        else:
            house, episode = self.source.draw(self.np_random)
        self.house, self.episode = house, episode
        self.run = EpisodeRun(episode, house)
        self.observer = EgocentricObserver(house, self.state.structure, self.state.objects,
                                           self.view, self.tile)
        self._goal_dist = geodesic_cells(house, list(self.instruction.goal_cells))
        self._oracle = Oracle(house) if self.expert else None
        self._solvers = self._make_solvers()
        self._stage_key, self._stage_dist = None, 0.0
        if self.config.dense_reward:
            self._stage_dist = self._stage_distance()
        self.success = False
        return self._obs(), self._info()

    def _make_solvers(self) -> dict[str, TaskSolver]:
        if self.expert is None:
            return {}
        if self.expert is EnvExpert.RULES:
            return self._rules_solver()
        return {k: TaskSolver(self.instruction, k, self.view, self._oracle)
                for k in self.expert.kinds}

    def _rules_solver(self) -> dict[str, TaskSolver]:
        """The rule-based agent's plan: the instruction's words read by
        :func:`vlnenv.language.parse`, carried out by the explorer (which knows only
        what the agent has seen); none when the words are refused."""
        self.parse_error = None
        try:
            read = parse(self.episode.instruction, self.house, self.episode.start)
        except ParseError as err:
            self.parse_error = str(err)
            return {}
        return {ExpertKind.EXPLORER: TaskSolver(read, ExpertKind.EXPLORER, self.view,
                                                self._oracle)}

    def step(self, action: int) -> tuple[dict[str, Any], float, bool, bool, dict[str, Any]]:
        """One action (see :func:`vlnenv.actions.as_action` for what is accepted: an int,
        a numpy integer scalar or a 0-d integer array in ``0..6``; floats, strings,
        ``None`` and 1-d arrays are refused).

        Raises:
            EnvError: not an action.
            gymnasium.error.ResetNeeded: no episode is running.
        """
        run = self.run
        if run is None:
            raise gym.error.ResetNeeded("call reset() before step()")
        if run.over:
            raise gym.error.ResetNeeded("the episode is over; call reset()")
        changed = run.step(as_action(action))
        if changed is not None:
            self.observer.changed(changed)
        state = run.state
        terminated = state.stopped
        self.success = run.success
        reward = 1.0 - 0.9 * state.step / self.episode.max_steps if self.success else 0.0
        if self.config.dense_reward:
            reward += self._shaping()
        truncated = not terminated and state.step >= self.episode.max_steps
        if self.render_mode == "human":
            self.render()
        return self._obs(), float(reward), terminated, truncated, self._info()

    @property
    def view(self) -> int:
        """View size in cells (``config.view``)."""
        return self.config.view

    @property
    def tile(self) -> int:
        """Tile size in pixels (``config.tile``)."""
        return self.config.tile

    @property
    def expert(self) -> EnvExpert | None:
        """Expert actions put in ``info`` (``config.expert``)."""
        return self.config.expert

    @property
    def families(self) -> tuple[str, ...]:
        """Task families ``reset`` options sample from (the source's)."""
        return self.source.families

    @property
    def house_map(self) -> Mapping[str, House]:
        """Houses known by id for ``reset`` options (the source's)."""
        return self.source.house_map

    @property
    def state(self) -> EpisodeState | None:
        """The running episode's state (``None`` before the first reset)."""
        return None if self.run is None else self.run.state

    @property
    def instruction(self) -> Instruction | None:
        """The running episode's instruction object (``None`` before the first reset)."""
        return None if self.run is None else self.run.instruction

    # ------------------------------------------------------------------ internals
    def _stage_distance(self) -> float:
        stage = self.instruction.stage(self.state)
        if stage != self._stage_key:
            self._stage_key = stage
            self._stage_field = geodesic_cells(self.house, list(stage.cells))
        return float(self._stage_field[self.state.pos])

    def _shaping(self) -> float:
        before_key, before = self._stage_key, self._stage_dist
        now = self._stage_distance()
        self._stage_dist = now
        if self._stage_key != before_key or not np.isfinite(now) or not np.isfinite(before):
            return 0.0  # a new stage: its distance becomes the baseline
        return self.config.dense_reward * (before - now)

    def _obs(self) -> dict[str, Any]:
        s = self.state
        carrying = 0 if s.carrying is None else 1 + int(s.carrying.kind)
        return {
            "image": self.observer.image(s.pose),
            "direction": s.heading,
            "carrying": carrying,
            "instruction": self.episode.instruction,
            "gps": gps(s.pos, self.episode.start),
        }

    def _info(self) -> dict[str, Any]:
        s = self.state
        info: dict[str, Any] = {
            "pose": s.pose,
            "success": self.success,
            "distance_to_goal": float(self._goal_dist[s.pos]),
            "path": list(s.path),
            "step": s.step,
            "blocked": int(s.structure[s.front]) not in _PASSABLE,
            "episode_id": self.episode.episode_id,
            "family": self.episode.family,
        }
        if self.expert is EnvExpert.RULES and self.parse_error is not None:
            info["parse_error"] = self.parse_error
        if self._solvers and not s.stopped:
            for kind, solver in self._solvers.items():
                key = "expert_action" if len(self._solvers) == 1 else f"{kind}_action"
                info[key] = solver.act(s)
        return info

    # ------------------------------------------------------------------ rendering
    def render(self) -> np.ndarray | str | None:
        """``rgb_array``: top-down map with agent, path and instruction (or the egocentric
        view); ``human``: a pygame window; ``ansi``: the map as text."""
        if self.state is None or self.render_mode is None:
            return None
        from vlnenv.env import rendering

        if self.render_mode == "ansi":
            return rendering.ansi(self)
        frame = rendering.frame(self, self.config.render_view)
        if self.render_mode == "human":
            self._window = rendering.show(frame, self.episode.instruction, self._window,
                                          self.metadata["render_fps"])
            return None
        return frame

    def close(self) -> None:
        self.source.close()
        if self._window is not None:
            from vlnenv.env import rendering

            rendering.close(self._window)
            self._window = None
