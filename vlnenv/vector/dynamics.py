"""The world's dynamics (:meth:`vlnenv.world.dynamics.EpisodeState.step_action`) for many
episodes at once, as array operations over :class:`~vlnenv.vector.layout.PackedGrids`.

Poses are flat cell indices and headings, one entry per environment. Turning, moving
forward, picking up, dropping and toggling are each a few gathers and scatters on the
environments that take that action; nothing loops over environments. The one
:class:`~vlnenv.world.dynamics.EpisodeState` an instruction or an expert needs is built on demand
by :meth:`BatchedWorld.state`.

Twin of :mod:`vlnenv.world.dynamics`: the same rules for one episode, the reference these
must equal (``tests/vlnenv/vector/test_twins.py`` checks every state field step by step).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vlnenv.actions import Action
from vlnenv.render.codes import DOOR_CLOSED, DOOR_OPEN, N_OBJ
from vlnenv.tasks.episode import Episode
from vlnenv.vector.egocentric import BatchedViews
from vlnenv.vector.layout import ObjectCache, PackedGrids, house_layers, item_tables
from vlnenv.world.dynamics import EpisodeState, Pos
from vlnenv.world.house import CELL_DOOR_CLOSED, CELL_DOOR_OPEN, House

#: An action code that does nothing and takes no step (environments being reset).
NOOP = len(Action)

_LEFT, _RIGHT, _FORWARD = int(Action.TURN_LEFT), int(Action.TURN_RIGHT), int(Action.FORWARD)
_PICKUP, _DROP, _TOGGLE, _STOP = (int(Action.PICKUP), int(Action.DROP), int(Action.TOGGLE),
                                  int(Action.STOP))

#: Heading change per action code (NOOP included).
_TURN = np.zeros(NOOP + 1, np.intp)
_TURN[_LEFT], _TURN[_RIGHT] = -1, 1
#: Whether an action code acts on the front cell.
_ACTS_ON_FRONT = np.zeros(NOOP + 1, bool)
_ACTS_ON_FRONT[[_PICKUP, _DROP, _TOGGLE]] = True


@dataclass
class Events:
    """What one batched step did besides turning.

    Attributes:
        moved: environments whose agent entered a new cell.
        objects: environments where an object was picked up or dropped.
    """

    moved: np.ndarray
    objects: np.ndarray


@dataclass(slots=True)
class _Loaded:
    """What loading a house into a block takes, kept per house (one cache entry): its
    layers' capacity windows, its objects' overlay codes and ``carrying`` values, and,
    from its second episode on, the visibility of every slot."""

    house: House
    blocks: dict[str, np.ndarray]
    item_code: np.ndarray  # (K,) object overlay * tile
    item_carry: np.ndarray  # (K,) carrying observation
    visibility: np.ndarray | None = None  # (H, W * 4, bytes) packed, once primed


class BatchedWorld:
    """Agents, houses and objects of ``num_envs`` episodes.

    Args:
        num_envs: number of environments.
        view: view size in cells.
        tile: tile size in pixels.
        capacity: initial ``(rows, cols)`` house capacity (grown on demand).
        cache_houses: houses whose layers are kept for the next episode in them.

    Attributes:
        pos: ``(N,)`` flat cell index of each agent.
        head: ``(N,)`` heading (0 east, 1 south, 2 west, 3 north).
        steps: ``(N,)`` actions taken this episode.
        max_steps: ``(N,)`` step budgets.
        stopped: ``(N,)`` whether ``stop`` was taken.
        carry: ``(N,)`` index into ``house.objects`` of the carried object, -1 for none.
        carry_obs: ``(N,)`` the ``carrying`` observation (0 none, else 1 + kind).
        houses, episodes: each environment's house and episode record.
    """

    def __init__(
        self, num_envs: int, view: int, tile: int, capacity: tuple[int, int] = (3, 3),
        cache_houses: int = 256,
    ) -> None:
        n = num_envs
        self.num_envs, self.view, self.tile = n, view, tile
        self.grids = PackedGrids(n, view, *capacity)
        self.views = BatchedViews(n, view, tile)
        self.views.resize(n * self.grids.block_size, self.grids.block_shape[1])
        self.cache = ObjectCache(cache_houses + n)  # house -> its _Loaded record
        self.pos = np.zeros(n, np.intp)
        self.head = np.zeros(n, np.intp)
        self.steps = np.zeros(n, np.int64)
        self.max_steps = np.ones(n, np.int64)
        self.stopped = np.zeros(n, bool)
        self.carry = np.full(n, -1, np.intp)
        self.carry_obs = np.zeros(n, np.int64)
        self.start = np.zeros((n, 2), np.int64)  # (N, 2) start cell (row, col)
        self.item_code = np.zeros((n, 1), np.intp)  # (N, K) object overlay * tile
        self.item_carry = np.zeros((n, 1), np.int64)  # (N, K) carrying observation
        self.trail = np.zeros((n, 256), np.int32)  # (N, L) flat cells of each path so far
        self.trail_len = np.zeros(n, np.intp)
        self._dirty = np.zeros(n, bool)  # a door was toggled this episode
        self._door_rows = {CELL_DOOR_CLOSED: DOOR_CLOSED * N_OBJ * tile,
                           CELL_DOOR_OPEN: DOOR_OPEN * N_OBJ * tile}
        self.houses: list[House | None] = [None] * n
        self.episodes: list[Episode | None] = [None] * n

    # ------------------------------------------------------------------ loading
    def load(self, i: int, house: House, episode: Episode) -> None:
        """Start environment ``i``'s episode: the house as loaded, the agent at the start."""
        r, c, h = episode.start
        grids = self.grids
        if not grids.fits(house.shape):
            self._grow(house.shape)
        stale = self.houses[i] is not house or self._dirty[i]  # its cached visibility
        if stale:
            self.views.invalidate(i)
        shape = grids.block_shape
        loaded = self.cache.find(house, shape)
        again = loaded is not None  # played before here: worth priming its visibility
        if not again:
            loaded = self.cache.put(house, shape, self._loaded(house))
        self.grids.put(i, loaded.blocks)
        if stale and again:
            self._prime_views(i, loaded)
        self._load_items(i, loaded)
        self.houses[i], self.episodes[i] = house, episode
        pos = int(grids.origin[i]) + int(r) * shape[1] + int(c)  # grids.flat(i, r, c)
        self.pos[i], self.head[i] = pos, int(h) % 4
        self.start[i, 0], self.start[i, 1] = r, c
        self.steps[i], self.max_steps[i] = 0, episode.max_steps
        self.stopped[i], self.carry[i], self.carry_obs[i] = False, -1, 0
        self._dirty[i] = False
        self.trail[i, 0], self.trail_len[i] = pos, 1

    def _prime_views(self, i: int, loaded: _Loaded) -> None:
        """Cache the visibility of every slot of the house just loaded in environment ``i``
        as it starts (computed once per house, for the second and later episodes in it: a
        freshly generated house is played once, and pays only its misses)."""
        origin = int(self.grids.origin[i])
        if loaded.visibility is None:
            loaded.visibility = self.views.house_visibility(
                origin, loaded.house.shape, self.grids.layers["opaque"])
        self.views.prime(origin, loaded.visibility, int(self.views.epoch[i]))

    def _loaded(self, house: House) -> _Loaded:
        layers = house_layers(house, self.tile)
        blocks = {name: self.grids.block(name, value) for name, value in layers.items()}
        return _Loaded(house, blocks, *item_tables(house, self.tile))

    def _load_items(self, i: int, loaded: _Loaded) -> None:
        code, carry = loaded.item_code, loaded.item_carry
        k = len(code)
        if k > self.item_code.shape[1]:
            self.item_code = _widen(self.item_code, k)
            self.item_carry = _widen(self.item_carry, k)
        self.item_code[i, :k], self.item_carry[i, :k] = code, carry

    def _grow(self, shape: tuple[int, int]) -> None:
        old = self.grids.grow(*shape)
        self.pos = self.grids.remap(self.pos, old)
        self.trail = self.grids.remap(self.trail, old).astype(np.int32)
        self.views.resize(self.num_envs * self.grids.block_size, self.grids.block_shape[1])

    # ------------------------------------------------------------------ dynamics
    def step(self, actions: np.ndarray, noop: bool = True) -> Events:
        """Apply one action per environment, in place.

        Args:
            actions: ``(N,)`` integer actions in ``0 .. NOOP``.
            noop: whether some actions may be :data:`NOOP` (no action, no step taken).
        """
        layers = self.grids.layers
        self.head += _TURN.take(actions)
        self.head &= 3
        front = self.pos + self.grids.step.take(self.head)  # (N,)
        moved = np.flatnonzero((actions == _FORWARD) & layers["passable"].take(front))
        if len(moved):
            dest = front[moved]
            self.pos[moved] = dest
            length = self.trail_len[moved]
            if length.max() >= self.trail.shape[1]:
                self.trail = _widen(self.trail, 2 * self.trail.shape[1])
            self.trail[moved, length] = dest
            self.trail_len[moved] = length + 1
        acting = np.flatnonzero(_ACTS_ON_FRONT.take(actions))
        objects = self._interact(acting, actions[acting], front[acting])
        np.equal(actions, _STOP, out=self.stopped)
        if noop:
            self.steps += actions != NOOP
        else:
            self.steps += 1
        return Events(moved, objects)

    def _interact(self, envs: np.ndarray, actions: np.ndarray, front: np.ndarray) -> np.ndarray:
        """Pickup, drop and toggle of ``envs`` on their ``front`` cells; returns the
        environments where an object moved."""
        layers = self.grids.layers
        held = self.carry[envs]
        lying = layers["objid"].take(front)
        kind = layers["kind"].take(front)
        pick = (actions == _PICKUP) & (held < 0) & (lying >= 0)
        drop = (actions == _DROP) & (held >= 0) & (lying < 0) & layers["holds"].take(front)
        toggle = (actions == _TOGGLE) & ((kind == CELL_DOOR_CLOSED) | (kind == CELL_DOOR_OPEN))
        if pick.any():
            self._pickup(envs[pick], front[pick], lying[pick])
        if drop.any():
            self._drop(envs[drop], front[drop], held[drop])
        if toggle.any():
            self._toggle(envs[toggle], front[toggle], kind[toggle] == CELL_DOOR_CLOSED)
        return np.concatenate([envs[pick], envs[drop]])

    def _pickup(self, envs: np.ndarray, cells: np.ndarray, items: np.ndarray) -> None:
        layers = self.grids.layers
        self.carry[envs] = items
        self.carry_obs[envs] = self.item_carry[envs, items]
        layers["objid"][cells] = -1
        layers["codes"][cells] -= self.item_code[envs, items]

    def _drop(self, envs: np.ndarray, cells: np.ndarray, items: np.ndarray) -> None:
        layers = self.grids.layers
        self.carry[envs], self.carry_obs[envs] = -1, 0
        layers["objid"][cells] = items
        layers["codes"][cells] += self.item_code[envs, items]

    def _toggle(self, envs: np.ndarray, cells: np.ndarray, opened: np.ndarray) -> None:
        layers = self.grids.layers
        layers["kind"][cells] = np.where(opened, CELL_DOOR_OPEN, CELL_DOOR_CLOSED)
        layers["passable"][cells] = opened
        layers["opaque"][cells] = ~opened
        layers["codes"][cells] = np.where(opened, self._door_rows[CELL_DOOR_OPEN],
                                          self._door_rows[CELL_DOOR_CLOSED])
        self.views.invalidate(envs)  # doors are the only cells whose opacity changes
        self._dirty[envs] = True

    # ------------------------------------------------------------------ reading
    def images(self, envs: np.ndarray | None = None, out: np.ndarray | None = None) -> np.ndarray:
        """``(M, V*t, V*t, 3)`` uint8 egocentric images of ``envs`` (all by default)."""
        layers = self.grids.layers
        return self.views.render(*self._poses(envs), layers["codes"], layers["opaque"], out)

    def symbols(self, envs: np.ndarray | None = None, out: np.ndarray | None = None) -> np.ndarray:
        """``(M, V, V, 3)`` uint8 symbolic views of ``envs`` (all by default)."""
        layers = self.grids.layers
        return self.views.symbols(*self._poses(envs), layers["codes"], layers["opaque"], out)

    def _poses(self, envs: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Flat cells, headings and view epochs of ``envs`` (all when ``None``)."""
        if envs is None:
            return self.pos, self.head, self.views.epoch
        return self.pos[envs], self.head[envs], self.views.epoch[envs]

    def poses(self, envs: np.ndarray | None = None) -> np.ndarray:
        """``(M, 3)`` int64 ``(row, col, heading)`` of the agents of ``envs`` (all by
        default)."""
        if envs is None:
            pos, head, origin = self.pos, self.head, self.grids.origin
        else:
            pos, head, origin = self.pos[envs], self.head[envs], self.grids.origin[envs]
        out = np.empty((len(pos), 3), np.int64)  # (M, 3)
        np.divmod(pos - origin, self.grids.block_shape[1], out=(out[:, 0], out[:, 1]))
        out[:, 2] = head
        return out

    def gps(self, envs: np.ndarray | None = None) -> np.ndarray:
        """``(M, 2)`` int64 cell minus start cell of the agents of ``envs`` (all by default),
        the ``gps`` observation."""
        start = self.start if envs is None else self.start[envs]
        return self.poses(envs)[:, :2] - start  # (M, 2)

    def blocked(self, envs: np.ndarray | None = None) -> np.ndarray:
        """``(M,)`` whether ``forward`` would not move (front not floor or open door)."""
        pos, head = (self.pos, self.head) if envs is None else (self.pos[envs], self.head[envs])
        return ~self.grids.layers["passable"].take(pos + self.grids.step.take(head))

    def cell(self, i: int) -> Pos:
        """Agent ``i``'s cell ``(row, col)``."""
        r, c = divmod(int(self.pos[i] - self.grids.origin[i]), self.grids.block_shape[1])
        return r, c

    def path(self, i: int) -> list[Pos]:
        """Cells agent ``i`` has visited this episode, the start included."""
        return self.paths(np.array([i]))[0]

    def paths(self, envs: np.ndarray) -> list[list[Pos]]:
        """:meth:`path` of each of ``envs`` (one array pass for all)."""
        lengths = self.trail_len[envs].tolist()
        trail = self.trail[envs, :max(lengths)] - self.grids.origin[envs, None]  # (K, L)
        r, c = np.divmod(trail, self.grids.block_shape[1])  # (K, L) each
        rows, cols = r.tolist(), c.tolist()
        return [list(zip(rows[k][:n], cols[k][:n], strict=True)) for k, n in enumerate(lengths)]

    def state(self, i: int, path: bool = False) -> EpisodeState:
        """Environment ``i``'s episode as an :class:`EpisodeState` (a fresh copy; the path is
        filled in only when ``path`` is true)."""
        house, episode = self.houses[i], self.episodes[i]
        objid = self.grids.interior("objid", i, house.shape)
        rows, cols = np.nonzero(objid >= 0)
        objects = {(r, c): house.objects[k] for r, c, k in
                   zip(rows.tolist(), cols.tolist(), objid[rows, cols].tolist(), strict=True)}
        held = int(self.carry[i])
        sr, sc, sh = (int(x) for x in episode.start)
        return EpisodeState(
            house=house, pos=self.cell(i), heading=int(self.head[i]), start=(sr, sc, sh % 4),
            structure=self.grids.interior("kind", i, house.shape).copy(), objects=objects,
            carrying=None if held < 0 else house.objects[held],
            path=self.path(i) if path else [], step=int(self.steps[i]),
            stopped=bool(self.stopped[i]),
        )


def _widen(table: np.ndarray, width: int) -> np.ndarray:
    out = np.zeros((table.shape[0], width), table.dtype)
    out[:, :table.shape[1]] = table
    return out
