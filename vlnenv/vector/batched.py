"""``BatchedGridHouseEnv``: ``N`` :class:`~vlnenv.env.grid_house.GridHouseEnv` episodes
stepped together, in one process, with numpy array operations. Twin of
:class:`~vlnenv.env.grid_house.GridHouseEnv` (parity: ``tests/vlnenv/vector/test_batched.py``).

## Description
Same episodes, dynamics, observations, rewards, terminations and truncations as ``N``
single environments (bitwise). Every house lives in a block of packed layers
(:mod:`vlnenv.vector.layout`); a step is a few dozen array operations over all ``N``
agents (:mod:`vlnenv.vector.dynamics`), success is read off packed goal masks
(:mod:`vlnenv.vector.outcomes`), and images are three gathers into one
``(N, V*t, V*t, 3)`` array (:mod:`vlnenv.vector.egocentric`). Python loops run only over the
environments that reset, and, when asked for, over all of them for the experts.

## Autoreset
``metadata["autoreset_mode"]`` is ``SAME_STEP`` by default: an episode that ends is reset
within the same ``step``; that step returns the new episode's first observation and
reset info, with the last observation and info of the finished episode under
``infos["final_obs"]`` (an object array of single-environment observation dicts) and
``infos["final_info"]`` (a dict of arrays, with ``path``, the cells walked), masked by
``infos["_final_obs"]``. Every returned observation can be acted on. Pass
``autoreset_mode="next_step"`` for Gymnasium's default instead (the step after an episode
ends resets it, ignoring its action, with reward 0; needed by Gymnasium's vector
observation wrappers).

## Seeding
Environment ``i`` draws its episodes from its own generator, seeded with ``seed + i`` by
``reset(seed=seed)`` (or ``seed[i]`` from a list), as ``SyncVectorEnv`` seeds its
environments: ``N`` ``GridHouseEnv`` reset with seeds ``seed + i`` and autoreset the same
way play exactly the same episodes.

## Observation
``Dict`` as :func:`gymnasium.vector.utils.batch_space` batches the single environment's:
``image`` ``(N, V*t, V*t, 3)`` uint8, ``direction`` ``(N,)`` and ``carrying`` ``(N,)`` int64,
``instruction`` a tuple of ``N`` strings. With ``copy=False`` the image array is reused
(overwritten by the next step), which saves an allocation per step.

With ``obs_mode="symbolic"``, ``image`` is instead ``(N, V, V, 3)`` uint8 ids per view
cell (base code, object kind + 1, object colour + 1; Minigrid-style), bitwise what
:class:`~vlnenv.wrappers.SymbolicObservation` gives for the single environment. With
``copy=False`` it is a view of a reused ``(N, V, V, 4)`` buffer (each cell's three bytes
and one pad byte, gathered as one word: ~4x faster than 3-byte rows), not C-contiguous;
``np.ascontiguousarray`` gives the packed array.

## Info
A dict of ``(N,)`` arrays, each key with a ``_key`` mask as Gymnasium's vector envs give:
``pose`` ``(N, 3)`` int64 (row, col, heading), ``success``, ``distance_to_goal``, ``step``,
``blocked``, ``episode_id``, ``family``, and with ``expert`` the experts' next actions
(``expert_action``, or ``oracle_action`` and ``explorer_action``; masked off where the
agent has stopped). Paths are not repeated every step: ``final_info["path"]`` at an
episode's end, or :meth:`BatchedGridHouseEnv.path` at any time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import SimpleNamespace
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.utils import seeding
from gymnasium.vector import AutoresetMode
from gymnasium.vector.utils import batch_space

from vlnenv.actions import Action
from vlnenv.env.config import EnvConfig, config_with
from vlnenv.env.grid_house import check_source, observation_space
from vlnenv.env.observer import EgocentricObserver
from vlnenv.env.options import fixed_episode
from vlnenv.env.sources import EpisodeSource
from vlnenv.errors import EnvError
from vlnenv.tasks.episode import Episode
from vlnenv.tasks.run import EpisodeRun
from vlnenv.vector.dynamics import NOOP, BatchedWorld
from vlnenv.vector.layout import ObjectCache
from vlnenv.vector.outcomes import BatchedJudge
from vlnenv.world.dynamics import EpisodeState
from vlnenv.world.house import House
from vlnenv.wrappers.symbolic import symbolic_space

#: ``obs_mode`` values.
OBS_MODES = ("rgb", "symbolic")

#: Keys ``reset(options=...)`` of the batched env understands.
BATCHED_RESET_OPTIONS: tuple[str, ...] = ("reset_mask", "episodes", "houses")

_INFO_KEYS = ("pose", "success", "distance_to_goal", "step", "blocked", "episode_id", "family")


class BatchedGridHouseEnv(gym.vector.VectorEnv):
    """``num_envs`` grid-house episodes stepped as arrays (see the module docstring).

    Args:
        num_envs: number of environments ``N``.
        source, config: as for :class:`~vlnenv.env.grid_house.GridHouseEnv` (one
            :class:`~vlnenv.env.sources.EpisodeSource` drawn from with each environment's
            own generator, and an :class:`~vlnenv.env.config.EnvConfig`).
        render_mode: ``None`` or ``"rgb_array"``.
        autoreset_mode: ``"same_step"`` (default) or ``"next_step"``, or the
            ``AutoresetMode``.
        copy: return a new image array every step (``False``: reuse one buffer).
        obs_mode: ``"rgb"`` (egocentric images, default) or ``"symbolic"`` (``(V, V, 3)``
            cell ids, as :class:`~vlnenv.wrappers.SymbolicObservation`).
        **settings: :class:`~vlnenv.env.config.EnvConfig` fields, replacing ``config``'s.

    Raises:
        EnvError: a bad setting (each names what was expected).
    """

    metadata = {"autoreset_mode": AutoresetMode.SAME_STEP, "render_modes": ["rgb_array"],
                "render_fps": 8}

    def __init__(
        self,
        num_envs: int = 1,
        source: EpisodeSource | None = None,
        config: EnvConfig | None = None,
        render_mode: str | None = None,
        autoreset_mode: str | AutoresetMode = AutoresetMode.SAME_STEP,
        copy: bool = True,
        obs_mode: str = "rgb",
        **settings: Any,
    ) -> None:
        if num_envs < 1:
            raise EnvError(f"num_envs must be at least 1, got {num_envs}")
        mode = _autoreset_mode(autoreset_mode)
        if obs_mode not in OBS_MODES:
            raise EnvError(f"obs_mode must be one of {OBS_MODES}, got {obs_mode!r}")
        if render_mode not in (None, "rgb_array"):
            raise EnvError(f"render_mode must be None or 'rgb_array', got {render_mode!r}")
        self.config = config = config_with(config, settings)
        self.source = check_source(source)
        self.num_envs, self.copy, self.autoreset_mode = num_envs, copy, mode
        self.metadata = {**type(self).metadata, "autoreset_mode": mode}
        self.render_mode = render_mode
        self.obs_mode = obs_mode
        self.single_observation_space = observation_space(config)
        if obs_mode == "symbolic":
            self.single_observation_space = symbolic_space(self.single_observation_space,
                                                           config.view)
        self.single_action_space = gym.spaces.Discrete(len(Action))
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        self.action_space = batch_space(self.single_action_space, num_envs)
        self.world = BatchedWorld(num_envs, config.view, config.tile, self.source.capacity())
        self.judge = BatchedJudge(self.world, config.dense_reward, config.expert)
        self._rngs: list[np.random.Generator | None] = [None] * num_envs
        self._compiled = ObjectCache(4096 + num_envs)  # episode record -> its Compiled task
        self._texts = [""] * num_envs
        self._ids = np.full(num_envs, "", object)
        self._families = np.full(num_envs, "", object)
        self._autoreset = np.zeros(num_envs, bool)
        self._all = np.arange(num_envs)
        self._image: np.ndarray | None = None
        self._started = False

    # ------------------------------------------------------------------ reset
    def reset(
        self, *, seed: int | Sequence[int | None] | None = None,
        options: dict[str, Any] | None = None,
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Reset every environment, or those in ``options["reset_mask"]`` (bool ``(N,)``).

        ``options["episodes"]`` (and optionally ``options["houses"]``), sequences of ``N``
        entries, play fixed records (``None`` entries draw from the source), as the
        single environment's ``options["episode"]`` and ``options["house"]``.

        Raises:
            EnvError: ``options`` is not a dict, has a key other than those of
                :data:`BATCHED_RESET_OPTIONS`, or a value of the wrong shape.
        """
        if options is not None and not isinstance(options, Mapping):
            raise EnvError(f"reset(options=...): expected None or a dict with keys among "
                           f"{list(BATCHED_RESET_OPTIONS)}, got {type(options).__name__}")
        unknown = sorted(repr(k)[:40] for k in options or {} if k not in BATCHED_RESET_OPTIONS)
        if unknown:
            raise EnvError(f"reset(options=...): unknown key(s) {', '.join(unknown)}; expected "
                           f"keys among {list(BATCHED_RESET_OPTIONS)}")
        options = dict(options or {})
        envs = self._reset_envs(options.pop("reset_mask", None))
        seeds = self._seeds(seed)
        episodes = _per_env(options.pop("episodes", None), self.num_envs, "episodes")
        houses = _per_env(options.pop("houses", None), self.num_envs, "houses")
        if isinstance(seed, int | np.integer):
            self._np_random, self._np_random_seed = seeding.np_random(int(seed))
        for i in envs.tolist():
            self._reset_one(i, seeds[i], episodes[i], houses[i])
        self._autoreset[envs] = False
        self._started = True
        mask = np.zeros(self.num_envs, bool)
        mask[envs] = True
        infos = self._infos(np.zeros(self.num_envs, bool), envs, mask)
        return self._observation(self._images(out=self._buffer())), infos

    def _reset_envs(self, mask: Any) -> np.ndarray:
        if mask is None:
            return np.arange(self.num_envs)
        mask = np.asarray(mask)
        if mask.shape != (self.num_envs,) or mask.dtype != np.bool_:
            raise EnvError(f"options['reset_mask'] must be a bool array of shape "
                           f"({self.num_envs},), got {mask.dtype} {mask.shape}")
        if not self._started and not mask.all():
            raise EnvError("the first reset must reset every environment")
        return np.flatnonzero(mask)

    def _seeds(self, seed: int | Sequence[int | None] | None) -> list[int | None]:
        if seed is None:
            return [None] * self.num_envs
        if isinstance(seed, int | np.integer):
            return [int(seed) + i for i in range(self.num_envs)]
        seeds = list(seed)
        if len(seeds) != self.num_envs:
            raise EnvError(f"a list of seeds must have num_envs={self.num_envs} entries, "
                           f"got {len(seeds)}")
        return seeds

    def _reset_one(
        self, i: int, seed: int | None = None, episode: Episode | dict | None = None,
        house: House | None = None,
    ) -> None:
        """Start environment ``i``'s next episode, as ``GridHouseEnv.reset`` does."""
        if seed is not None or self._rngs[i] is None:
            self._rngs[i] = seeding.np_random(seed)[0]
        if episode is not None:
            house, episode = fixed_episode({"episode": episode, "house": house},
                                           self.source.house_map)
        else:
            house, episode = self.source.draw(self._rngs[i])
        compiled = self._compiled.find(episode, id(house))
        instruction = state = None
        if compiled is None or compiled.flat is None or self.judge.needs_instructions:
            run = EpisodeRun(episode, house)
            instruction, state = run.instruction, run.state
            if compiled is None:
                compiled = self._compiled.put(episode, id(house),
                                              self.judge.compile(instruction, state))
        self.world.load(i, house, episode)
        self.judge.load(i, house, compiled, instruction, state)
        self._texts[i] = episode.instruction
        self._ids[i], self._families[i] = episode.episode_id, episode.family

    # ------------------------------------------------------------------ step
    def step(
        self, actions: Any
    ) -> tuple[dict[str, Any], np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """One action per environment; see the module docstring for autoreset."""
        if not self._started:
            raise gym.error.ResetNeeded("call reset() before step()")
        actions = self._actions(actions)
        world, acting = self.world, None
        if self.autoreset_mode is AutoresetMode.NEXT_STEP and self._autoreset.any():
            acting = ~self._autoreset
            for i in np.flatnonzero(self._autoreset).tolist():
                self._reset_one(i)
            actions = np.where(acting, actions, NOOP)
        events = world.step(actions, noop=acting is not None)
        success = self.judge.success(events, acting)
        rewards = np.zeros(self.num_envs, np.float64)
        won = np.flatnonzero(success)
        rewards[won] = 1.0 - 0.9 * world.steps[won] / world.max_steps[won]
        if self.judge.dense_reward:
            rewards += self.judge.shaping(events, acting)
        terminated = world.stopped.copy()
        truncated = ~terminated & (world.steps >= world.max_steps)
        image = self._images(out=self._buffer())
        infos = self._infos(success, self._all, np.ones(self.num_envs, bool))
        if acting is not None:
            rewards[~acting] = 0.0
        done = terminated | truncated
        if self.autoreset_mode is AutoresetMode.NEXT_STEP:
            self._autoreset = done
        elif done.any():
            self._reset_finished(done, image, infos)
        return self._observation(image), rewards, terminated, truncated, infos

    def _actions(self, actions: Any) -> np.ndarray:
        a = np.asarray(actions)
        if a.shape != (self.num_envs,) or a.dtype.kind not in "iu":
            raise EnvError(f"actions must be {self.num_envs} integers in 0..{NOOP - 1}, got "
                           f"{a.dtype} array of shape {a.shape}")
        a = a.astype(np.intp, copy=False)
        if (a.view(np.uintp) >= NOOP).any():  # negative actions wrap to huge ones
            bad = int(np.flatnonzero((a < 0) | (a >= NOOP))[0])
            raise EnvError(f"action must be an integer in 0..{NOOP - 1}, got {a[bad]} "
                           f"for environment {bad}")
        return a

    def _reset_finished(self, done: np.ndarray, image: np.ndarray, infos: dict) -> None:
        """Same-step autoreset: keep the finished episodes' last observation and info,
        reset them, and put the new episodes' first observation and info in their place."""
        world, ended = self.world, np.flatnonzero(done)
        final_obs = np.empty(self.num_envs, object)  # None where not ended
        heads, carried = world.head[ended].tolist(), world.carry_obs[ended].tolist()
        for k, (i, gps) in enumerate(zip(ended.tolist(), world.gps(ended), strict=True)):
            final_obs[i] = {"image": image[i].copy(), "direction": heads[k],
                            "carrying": carried[k], "instruction": self._texts[i], "gps": gps}
        final_info = {k: v & done if k.startswith("_") else v for k, v in infos.items()}
        paths = np.empty(self.num_envs, object)  # None where not ended
        for i, path in zip(ended.tolist(), world.paths(ended), strict=True):
            paths[i] = path
        final_info["path"], final_info["_path"] = paths, done.copy()
        for i in ended.tolist():
            self._reset_one(i)
        image[ended] = self._images(ended)
        for key, value in self._values(ended).items():
            infos[key] = infos[key].copy()  # final_info keeps the old array
            infos[key][ended] = value
        infos["success"] = infos["success"] & ~done
        for key, value in self._experts(ended, done).items():
            infos[key] = np.where(done, value, infos[key])
        infos["final_obs"], infos["_final_obs"] = final_obs, done.copy()
        infos["final_info"], infos["_final_info"] = final_info, done.copy()

    # ------------------------------------------------------------------ outputs
    def _buffer(self) -> np.ndarray | None:
        if self.copy:
            return None
        if self._image is None:
            if self.obs_mode == "symbolic":  # gathered a word per cell (BatchedViews.symbols)
                self._image = self.world.views.symbol_buffer(self.num_envs)
            else:
                self._image = np.empty(self.observation_space["image"].shape, np.uint8)
        return self._image

    def _images(self, envs: np.ndarray | None = None, out: np.ndarray | None = None) -> np.ndarray:
        """The ``image`` observation of ``envs`` (all by default) in the env's mode."""
        if self.obs_mode == "symbolic":
            return self.world.symbols(envs, out)
        return self.world.images(envs, out)

    def _observation(self, image: np.ndarray) -> dict[str, Any]:
        world = self.world
        return {
            "image": image,
            "direction": world.head.astype(np.int64),
            "carrying": world.carry_obs.copy(),
            "instruction": tuple(self._texts),
            "gps": world.gps(),  # (N, 2)
        }

    def _infos(self, success: np.ndarray, envs: np.ndarray, mask: np.ndarray) -> dict[str, Any]:
        """Info arrays; ``envs`` (index array, ``mask`` as a bool array) are those that
        have an entry (the experts are asked only for them)."""
        infos: dict[str, Any] = {"success": success, **self._values(None)}
        for key in _INFO_KEYS:
            infos[f"_{key}"] = mask.copy()
        infos.update(self._experts(envs, mask))
        return infos

    def _values(self, envs: np.ndarray | None) -> dict[str, np.ndarray]:
        """The info values of ``envs`` (all by default) other than success and experts."""
        world = self.world
        pos = world.pos if envs is None else world.pos[envs]
        return {
            "pose": world.poses(envs),
            "distance_to_goal": world.grids.layers["goal_dist"].take(pos),
            "step": world.steps.copy() if envs is None else world.steps[envs],
            "blocked": world.blocked(envs),
            "episode_id": self._ids.copy() if envs is None else self._ids[envs],
            "family": self._families.copy() if envs is None else self._families[envs],
        }

    def _experts(self, envs: np.ndarray, mask: np.ndarray) -> dict[str, np.ndarray]:
        """The experts' actions for ``envs`` (masked off where the agent stopped)."""
        kinds = self.judge.kinds
        if not kinds:
            return {}
        actions = self.judge.experts(envs)
        out = {}
        for kind in kinds:
            key = "expert_action" if len(kinds) == 1 else f"{kind}_action"
            out[key], out[f"_{key}"] = actions[kind], mask & ~self.world.stopped
        return out

    # ------------------------------------------------------------------ helpers
    def state(self, i: int) -> EpisodeState:
        """Environment ``i``'s episode state (a copy, path included)."""
        return self.world.state(i, path=True)

    def path(self, i: int) -> list[tuple[int, int]]:
        """Cells environment ``i``'s agent has visited this episode, the start included."""
        return self.world.path(i)

    def generator(self, i: int) -> np.random.Generator | None:
        """Environment ``i``'s episode generator (drawn from only when an episode starts;
        ``None`` before the first reset)."""
        return self._rngs[i]

    def set_generator(self, i: int, rng: np.random.Generator) -> None:
        """Make ``rng`` environment ``i``'s episode generator from now on (restoring a
        run: its next episode is ``rng``'s next draw)."""
        self._rngs[i] = rng

    def episode(self, i: int) -> Episode:
        """Environment ``i``'s episode record."""
        return self.world.episodes[i]

    def render(self) -> tuple[np.ndarray, ...] | None:
        """``rgb_array``: each environment's frame, as ``GridHouseEnv.render`` draws it."""
        if self.render_mode is None or not self._started:
            return None
        from vlnenv.env import rendering

        frames = []
        for i in range(self.num_envs):
            state, house = self.state(i), self.world.houses[i]
            observer = EgocentricObserver(house, state.structure, state.objects,
                                          self.world.view, self.world.tile)
            env = SimpleNamespace(state=state, house=house, episode=self.episode(i),
                                  observer=observer)
            frames.append(rendering.frame(env, self.config.render_view))
        return tuple(frames)

    def close_extras(self, **kwargs: Any) -> None:
        """Stop the source's background workers, if any."""
        self.source.close()


def _autoreset_mode(mode: str | AutoresetMode) -> AutoresetMode:
    """``AutoresetMode.SAME_STEP``/``NEXT_STEP`` from the enum, its value (``"SameStep"``)
    or ``"same_step"``/``"next_step"``."""
    names = {"same_step": AutoresetMode.SAME_STEP, "next_step": AutoresetMode.NEXT_STEP}
    found = names.get(mode) if isinstance(mode, str) else None
    if found is None:
        try:
            found = AutoresetMode(mode)
        except ValueError:
            found = None
    if found not in names.values():
        raise EnvError(f"autoreset_mode must be 'same_step' or 'next_step' (or the "
                       f"AutoresetMode), got {mode!r}")
    return found


def _per_env(values: Sequence[Any] | None, n: int, name: str) -> list[Any]:
    if values is None:
        return [None] * n
    values = list(values)
    if len(values) != n:
        raise EnvError(f"options[{name!r}] must have num_envs={n} entries, got {len(values)}")
    return values
