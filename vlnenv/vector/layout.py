"""Every environment's house packed into flat arrays: one layer per cell property, one
fixed-size block per environment. Twin of :mod:`vlnenv.render.codes` and of the episode
state's structure (:mod:`vlnenv.world.dynamics`): the ``codes`` and ``kind`` layers are
``cell_codes`` and the structure of each house as it is now (``tests/vlnenv/vector/test_twins.py``).

Block ``i`` of a layer holds environment ``i``'s house at rows and columns
``pad .. pad + H`` and ``pad .. pad + W`` of an ``(Hb, Wb) = (Hc + 2 pad, Wc + 2 pad)``
block, where ``(Hc, Wc)`` is the capacity (the largest house seen so far); the rest of the
block is outside: void, opaque, wall. A cell's flat index is

    pos = i * Hb * Wb + (r + pad) * Wb + (c + pad)

Since every block has the same width, one table of flat offsets per heading serves every
environment: a step forward is ``pos + step[heading]`` and a view is
``pos + view_offsets[heading]``, and the padding (at least the view size) keeps every view
inside its own block. When a larger house arrives, :meth:`PackedGrids.grow` re-lays every
block (rare: the generator's maximum size is known up front).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np

from vlnenv.render.codes import cell_codes, object_code
from vlnenv.render.egocentric import opaque_mask
from vlnenv.world.furniture import Furniture
from vlnenv.world.house import CELL_DOOR_OPEN, CELL_FLOOR, CELL_FURNITURE, DIRECTIONS, Cell, House

#: Layer name -> (dtype, value outside the house).
LAYERS: dict[str, tuple[Any, Any]] = {
    "codes": (np.intp, 0),  # cell code * tile: the cell's first row in the tile-row atlas
    "opaque": (np.bool_, True),  # walls and closed doors hide what lies behind them
    "passable": (np.bool_, False),  # floor and open doors: forward can enter
    "kind": (np.uint8, int(Cell.WALL)),  # the structure (doors as they are now)
    "objid": (np.int32, -1),  # index into house.objects of the object lying here, or -1
    "holds": (np.bool_, False),  # an object can be dropped here (if none lies here)
    "goalbits": (np.int64, 0),  # bit k: the cell is a goal cell of task part k
    "goal_dist": (np.float64, 0.0),  # geodesic cells to the nearest goal cell
    "stage_dist": (np.float64, 0.0),  # geodesic cells to the expert stage's target
}

#: Layers a house determines (the rest depend on the episode's task).
HOUSE_LAYERS: tuple[str, ...] = ("codes", "opaque", "passable", "kind", "objid", "holds")

_HOLDS = np.array([f.holds_objects for f in Furniture], dtype=bool)  # (len(Furniture),)


def house_layers(house: House, tile: int) -> dict[str, np.ndarray]:
    """The house-determined layers of ``house`` as loaded, each ``(H, W)``."""
    s = house.structure
    objid = np.full(house.shape, -1, np.int32)  # (H, W)
    for k, item in enumerate(house.objects):
        objid[item.cell] = k
    furniture = (s == CELL_FURNITURE) & _HOLDS[np.maximum(house.furniture, 0)]  # (H, W)
    return {
        "codes": cell_codes(house).astype(np.intp) * tile,  # (H, W)
        "opaque": opaque_mask(s),
        "passable": (s == CELL_FLOOR) | (s == CELL_DOOR_OPEN),
        "kind": s,
        "objid": objid,
        "holds": (s == CELL_FLOOR) | furniture,
    }


def item_tables(house: House, tile: int) -> tuple[np.ndarray, np.ndarray]:
    """Per object of ``house.objects``: its overlay's contribution to the ``codes`` layer
    (``object_code * tile``) and the ``carrying`` observation when held (``1 + kind``)."""
    code = np.array([object_code(it.kind, it.color) * tile for it in house.objects], np.intp)
    carry = np.array([1 + int(it.kind) for it in house.objects], np.int64)
    return code, carry


class ObjectCache:
    """Least-recently-used cache of values derived from objects (houses, episode
    records), keyed by the object's identity and a key.

    Args:
        size: how many entries to keep.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[tuple[int, Any], tuple[Any, Any]] = OrderedDict()

    def find(self, obj: Any, key: Any = None) -> Any:
        """The value cached for ``(obj, key)``, or ``None``."""
        full = (id(obj), key)
        hit = self._items.get(full)
        if hit is None or hit[0] is not obj:
            return None
        self._items.move_to_end(full)
        return hit[1]

    def put(self, obj: Any, key: Any, value: Any) -> Any:
        """Cache ``value`` for ``(obj, key)``; returns it."""
        self._items[(id(obj), key)] = (obj, value)  # obj is held, so its id stays unique
        self._items.move_to_end((id(obj), key))
        if len(self._items) > self.size:
            self._items.popitem(last=False)
        return value

    def get(self, obj: Any, key: Any, make: Callable[[], Any]) -> Any:
        """The value cached for ``(obj, key)``, made with ``make()`` on a miss."""
        value = self.find(obj, key)
        return self.put(obj, key, make()) if value is None else value


class PackedGrids:
    """The layers of :data:`LAYERS` for ``num_envs`` houses, flat.

    Args:
        num_envs: number of blocks.
        pad: cells of outside around each house (at least the view size).
        height: initial house capacity in rows.
        width: initial house capacity in columns.

    Attributes:
        layers: layer name -> ``(num_envs * Hb * Wb,)`` array.
        step: ``(4,)`` flat offset of one step forward per heading.
        origin: ``(num_envs,)`` flat index of each house's cell ``(0, 0)``.
    """

    def __init__(self, num_envs: int, pad: int, height: int = 3, width: int = 3) -> None:
        self.num_envs, self.pad = num_envs, pad
        self.height, self.width = 0, 0
        self.layers: dict[str, np.ndarray] = {}
        self.grow(height, width)

    @property
    def block_shape(self) -> tuple[int, int]:
        """``(Hb, Wb)``."""
        return self.height + 2 * self.pad, self.width + 2 * self.pad

    @property
    def block_size(self) -> int:
        hb, wb = self.block_shape
        return hb * wb

    def fits(self, shape: tuple[int, int]) -> bool:
        """Whether a house of ``shape`` fits the current capacity."""
        return shape[0] <= self.height and shape[1] <= self.width

    def grow(self, height: int, width: int) -> tuple[int, int]:
        """Raise the capacity to at least ``(height, width)``, keeping every block's
        content; returns the old ``(Hb, Wb)`` (for :meth:`remap`)."""
        old_shape = self.block_shape
        self.height, self.width = max(self.height, height), max(self.width, width)
        hb, wb = self.block_shape
        for name, (dtype, fill) in LAYERS.items():
            new = np.full((self.num_envs, hb, wb), fill, dtype)  # (N, Hb, Wb)
            old = self.layers.get(name)
            if old is not None:
                new[:, :old_shape[0], :old_shape[1]] = old.reshape(self.num_envs, *old_shape)
            self.layers[name] = new.reshape(-1)
        self._blocks = {name: layer.reshape(self.num_envs, hb, wb)  # (N, Hb, Wb) views
                        for name, layer in self.layers.items()}
        self.step = np.array([dr * wb + dc for dr, dc in DIRECTIONS], np.intp)  # (4,)
        self.origin = np.arange(self.num_envs) * (hb * wb) + self.pad * (wb + 1)  # (N,) (0, 0)
        return old_shape

    def remap(self, pos: np.ndarray, old_shape: tuple[int, int]) -> np.ndarray:
        """Flat indices under the block shape ``old_shape`` -> under the current one."""
        hb_old, wb_old = old_shape
        env, local = np.divmod(pos, hb_old * wb_old)
        r, c = np.divmod(local, wb_old)
        return env * self.block_size + r * self.block_shape[1] + c

    def flat(self, i: int, r: int, c: int) -> int:
        """Flat index of cell ``(r, c)`` of environment ``i``'s house."""
        return i * self.block_size + (r + self.pad) * self.block_shape[1] + c + self.pad

    def interior(self, name: str, i: int, shape: tuple[int, int]) -> np.ndarray:
        """``(H, W)`` writable view of environment ``i``'s house in layer ``name``."""
        p = self.pad
        return self._blocks[name][i, p:p + shape[0], p:p + shape[1]]

    def block(self, name: str, value: np.ndarray) -> np.ndarray:
        """The ``(Hc, Wc)`` capacity window of a block of layer ``name``: the ``(H, W)``
        ``value`` at its top-left, outside everywhere else."""
        dtype, fill = LAYERS[name]
        out = np.full((self.height, self.width), fill, dtype)  # (Hc, Wc)
        out[:value.shape[0], :value.shape[1]] = value
        return out

    def put(self, i: int, blocks: dict[str, np.ndarray]) -> None:
        """Copy capacity windows (from :meth:`block`) into environment ``i``'s blocks. The
        rest of a block, beyond the capacity, is outside and never written."""
        p = self.pad
        window = np.s_[i, p:p + self.height, p:p + self.width]
        for name, block in blocks.items():
            self._blocks[name][window] = block

    def load(self, i: int, values: dict[str, np.ndarray]) -> None:
        """Fill environment ``i``'s block of each named layer: the ``(H, W)`` values at the
        house's place, outside everywhere else."""
        self.put(i, {name: self.block(name, value) for name, value in values.items()})
