"""``GridHouseEnv``: follow an English instruction in a house seen through an egocentric
camera.

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
generated houses. See :mod:`vlnenv.env.registration`.
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from vlnenv.actions import Action, as_action
from vlnenv.env.checks import check_reset_options, check_settings
from vlnenv.env.observer import EgocentricObserver
from vlnenv.env.options import custom_episode
from vlnenv.env.sources import EpisodeSource, FixedEpisodes, GeneratedTasks, HouseTasks
from vlnenv.errors import EnvError, ParseError, TaskError
from vlnenv.expert.oracle import Oracle, geodesic_cells
from vlnenv.language.instructions import Instruction, instruction_from_task
from vlnenv.language.parse import parse
from vlnenv.language.verdict import Verdict
from vlnenv.tasks.episode import Episode
from vlnenv.tasks.sample import DEFAULT_FAMILIES
from vlnenv.tasks.solver import TaskSolver
from vlnenv.world.dynamics import EpisodeState
from vlnenv.world.generate import LARGE, SMALL, GeneratorConfig
from vlnenv.world.house import Cell, House
from vlnenv.world.objects import ObjectKind

#: Characters an instruction may contain (the ``Text`` space's charset).
INSTRUCTION_CHARSET = string.ascii_letters + string.digits + " .,;:'!?-"
#: Longest instruction in characters.
MAX_INSTRUCTION_CHARS = 512
#: Bound of each ``gps`` component (houses are far smaller than this).
GPS_LIMIT = 2**15 - 1


def gps(pos: Sequence[int], start: Sequence[int]) -> np.ndarray:
    """``(2,)`` int64 ``gps`` observation: cell ``pos`` minus the start cell (the first two
    entries of ``start``, a cell or a pose)."""
    return np.array([int(pos[0]) - int(start[0]), int(pos[1]) - int(start[1])], np.int64)


RENDER_MODES = ("rgb_array", "human", "ansi")

#: Values of the ``expert`` argument.
EXPERT_KINDS: tuple[str | None, ...] = (None, "oracle", "explorer", "both", "rules")

#: Generator presets by name.
SIZES: dict[str, GeneratorConfig] = {"small": SMALL, "large": LARGE}


class GridHouseEnv(gym.Env[dict[str, Any], int]):
    """Vision-and-language navigation in a grid house (see the module docstring).

    Args:
        source: where episodes come from; by default tasks on generated houses.
        generator: generator config for the default source.
        size: preset for the default source when ``generator`` is not given: ``"small"``
            (3-6 rooms) or ``"large"`` (8-14 rooms).
        houses: houses to sample tasks on (instead of generating them).
        episodes: fixed episode records (with ``house_map`` naming their houses).
        house_map: house id -> house, for ``episodes`` and ``reset(options=...)``.
        families: task families to sample.
        view: view size in cells (odd, 3..9).
        tile: tile size in pixels.
        dense_reward: shaping weight λ (0 = sparse reward only).
        expert: put an expert's next action in ``info``: ``None``, ``"oracle"``,
            ``"explorer"``, ``"both"`` or ``"rules"`` (the explorer carrying out the
            instruction as :func:`vlnenv.language.parse` reads its words; no action, and
            ``info["parse_error"]``, when the words are refused).
        render_mode: ``"rgb_array"``, ``"human"`` or ``"ansi"``.
        render_view: what ``rgb_array`` shows: ``"topdown"`` (map with agent, path and
            instruction) or ``"egocentric"``.
        prefetch: background processes that generate houses and sample episodes ahead,
            for the default source (0: none). The same seed gives the same episodes with
            or without them (:mod:`vlnenv.env.prefetch`).
    """

    metadata = {"render_modes": list(RENDER_MODES), "render_fps": 8}

    def __init__(
        self,
        source: EpisodeSource | None = None,
        generator: GeneratorConfig | None = None,
        size: str = "small",
        houses: Sequence[House] | None = None,
        episodes: Sequence[Episode] | None = None,
        house_map: Mapping[str, House] | None = None,
        families: Sequence[str] = DEFAULT_FAMILIES,
        view: int = 7,
        tile: int = 8,
        dense_reward: float = 0.0,
        expert: str | None = None,
        render_mode: str | None = None,
        render_view: str = "topdown",
        prefetch: int = 0,
    ) -> None:
        check_settings(dense_reward, view, tile, families, houses)
        if render_mode is not None and render_mode not in RENDER_MODES:
            raise EnvError(f"render_mode must be one of {RENDER_MODES}, got {render_mode!r}")
        if render_view not in ("topdown", "egocentric"):
            raise EnvError(f"render_view must be 'topdown' or 'egocentric', got {render_view!r}")
        if expert not in EXPERT_KINDS:
            raise EnvError(f"expert must be one of {EXPERT_KINDS}, got {expert!r}")
        if prefetch and (source is not None or episodes is not None or houses is not None):
            raise EnvError(f"prefetch={prefetch} needs the default source (generated houses); "
                           "got a source, episodes or houses")
        self.house_map: Mapping[str, House] = {} if house_map is None else house_map
        if source is None:
            if episodes is not None:
                source = FixedEpisodes(episodes, self.house_map)
            elif houses is not None:
                source = HouseTasks(houses, families)
            else:
                if generator is None and size not in SIZES:
                    raise EnvError(f"size must be one of {sorted(SIZES)}, got {size!r}")
                source = GeneratedTasks(generator or SIZES[size], families, workers=prefetch)
        self.source = source
        self.families = tuple(families)
        self.view, self.tile = view, tile
        self.dense_reward = float(dense_reward)
        self.expert = expert
        self.render_mode = render_mode
        self.render_view = render_view
        side = view * tile
        self.action_space = spaces.Discrete(len(Action))
        self.observation_space = spaces.Dict(
            {
                "image": spaces.Box(0, 255, (side, side, 3), np.uint8),
                "direction": spaces.Discrete(4),
                "carrying": spaces.Discrete(1 + len(ObjectKind)),
                "instruction": spaces.Text(
                    max_length=MAX_INSTRUCTION_CHARS, min_length=1, charset=INSTRUCTION_CHARSET
                ),
                "gps": spaces.Box(-GPS_LIMIT, GPS_LIMIT, (2,), np.int64),
            }
        )
        self.state: EpisodeState | None = None
        self.episode: Episode | None = None
        self.instruction: Instruction | None = None
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
            house, episode = self._fixed(options)
        elif options:
            house, episode = custom_episode(options, self.source, self.np_random,
                                            self.house_map, self.families)
        else:
            house, episode = self.source.draw(self.np_random)
        self.house, self.episode = house, episode
        self.instruction = instruction_from_task(episode.task, house, f"{episode.episode_id}.task")
        self.state = EpisodeState.initial(house, episode.start)
        self.instruction.reset(self.state)
        self.observer = EgocentricObserver(house, self.state.structure, self.state.objects,
                                           self.view, self.tile)
        self._goal_dist = geodesic_cells(house, list(self.instruction.goal_cells))
        self._oracle = Oracle(house) if self.expert else None
        self._solvers = self._make_solvers()
        self._stage_key, self._stage_dist = None, 0.0
        if self.dense_reward:
            self._stage_dist = self._stage_distance()
        self.success = False
        return self._obs(), self._info()

    def _fixed(self, options: dict[str, Any]) -> tuple[House, Episode]:
        episode = options["episode"]
        if isinstance(episode, dict):
            episode = Episode.from_json(episode, "options['episode']")
        if not isinstance(episode, Episode):
            raise TaskError(f"options['episode'] must be an Episode or a dict, "
                            f"got {type(episode).__name__}")
        house = options.get("house") or self.house_map.get(episode.house)
        if house is None:
            raise TaskError(f"episode {episode.episode_id!r} names house {episode.house!r}; "
                            "pass options['house'] or give the env a house_map")
        return house, episode

    def _make_solvers(self) -> dict[str, TaskSolver]:
        if self.expert == "rules":
            return self._rules_solver()
        kinds = {"oracle": ["oracle"], "explorer": ["explorer"],
                 "both": ["oracle", "explorer"]}.get(self.expert or "", [])
        return {k: TaskSolver(self.instruction, k, self.view, self._oracle) for k in kinds}

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
        return {"explorer": TaskSolver(read, "explorer", self.view, self._oracle)}

    def step(self, action: int) -> tuple[dict[str, Any], float, bool, bool, dict[str, Any]]:
        """One action (see :func:`vlnenv.actions.as_action` for what is accepted: an int,
        a numpy integer scalar or a 0-d integer array in ``0..6``; floats, strings,
        ``None`` and 1-d arrays are refused).

        Raises:
            EnvError: not an action.
            gymnasium.error.ResetNeeded: no episode is running.
        """
        state = self.state
        if state is None:
            raise gym.error.ResetNeeded("call reset() before step()")
        if state.stopped or state.step >= self.episode.max_steps:
            raise gym.error.ResetNeeded("the episode is over; call reset()")
        changed = state.step_action(as_action(action))
        if changed is not None:
            self.observer.changed(changed)
        verdict = self.instruction.verify(state)
        terminated = state.stopped
        self.success = verdict is Verdict.SUCCESS
        reward = 1.0 - 0.9 * state.step / self.episode.max_steps if self.success else 0.0
        if self.dense_reward:
            reward += self._shaping()
        truncated = not terminated and state.step >= self.episode.max_steps
        if self.render_mode == "human":
            self.render()
        return self._obs(), float(reward), terminated, truncated, self._info()

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
        return self.dense_reward * (before - now)

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
            "blocked": int(s.structure[s.front]) not in (Cell.FLOOR, Cell.DOOR_OPEN),
            "episode_id": self.episode.episode_id,
            "family": self.episode.family,
        }
        if self.expert == "rules" and self.parse_error is not None:
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
        frame = rendering.frame(self, self.render_view)
        if self.render_mode == "human":
            self._window = rendering.show(frame, self.episode.instruction, self._window,
                                          self.metadata["render_fps"])
            return None
        return frame

    def close(self) -> None:
        if isinstance(self.source, GeneratedTasks):
            self.source.close()
        if self._window is not None:
            from vlnenv.env import rendering

            rendering.close(self._window)
            self._window = None
