"""Procedural drawings of every base tile: floors, walls, doors and furniture.

A drawing is a list of ``(mask, paint)`` layers painted in order on a
:class:`~vlnenv.render.shapes.Canvas`; here ``paint`` is an RGB triple. Each room type has
its own floor colour and a subtle pattern; furniture is a dark-outlined silhouette with its
own shape and colours on a neutral floor. Small objects are drawn in
:mod:`vlnenv.render.object_art`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from vlnenv.render import shapes as sh
from vlnenv.render.shapes import Canvas
from vlnenv.world.furniture import Furniture as F
from vlnenv.world.rooms import RoomType as R

RGB = tuple[int, int, int]
#: One layer of a drawing: an ``(S, S)`` bool mask and its paint (an RGB triple, or for
#: objects ``FILL``/``DETAIL``, see :mod:`vlnenv.render.object_art`).
Layer = tuple[np.ndarray, "RGB | str"]

WALL_RGB: RGB = (100, 100, 106)
MORTAR_RGB: RGB = (84, 84, 90)
DOOR_RGB: RGB = (214, 138, 36)
DOOR_FRAME_RGB: RGB = (70, 44, 20)
THRESHOLD_RGB: RGB = (236, 230, 214)
NEUTRAL_RGB: RGB = (196, 194, 190)
OUTLINE_RGB: RGB = (28, 26, 26)
BRASS: RGB = (236, 196, 80)
WHITE: RGB = (240, 240, 242)

#: Floor colour and pattern of each room type.
FLOORS: dict[R, tuple[RGB, str]] = {
    R.BEDROOM: ((164, 182, 236), "carpet"),
    R.BATHROOM: ((150, 222, 230), "tiles"),
    R.KITCHEN: ((240, 228, 146), "checker"),
    R.LIVING_ROOM: ((228, 186, 140), "planks"),
    R.DINING_ROOM: ((234, 160, 160), "planks"),
    R.OFFICE: ((168, 208, 146), "carpet"),
    R.HALLWAY: ((214, 206, 188), "planks"),
    R.LAUNDRY_ROOM: ((156, 230, 196), "tiles"),
    R.GARAGE: ((160, 160, 156), "speckle"),
    R.NURSERY: ((248, 196, 224), "carpet"),
    R.GYM: ((198, 228, 110), "tiles"),
    R.PANTRY: ((206, 170, 108), "checker"),
    R.MEETING_ROOM: ((186, 158, 218), "carpet"),
}


def shade(rgb: RGB, factor: float) -> RGB:
    """``rgb`` scaled by ``factor`` (below 1 darker), clipped to 0..255."""
    return tuple(int(min(255, max(0, round(v * factor)))) for v in rgb)  # type: ignore[return-value]


# ---------------------------------------------------------------- structure
def floor(c: Canvas, room: R) -> list[Layer]:
    """A floor tile: the room type's colour, a subtle pattern and a faint grid line."""
    rgb, pattern = FLOORS[room]
    line = shade(rgb, 0.9)
    x, y = c.x, c.y
    if pattern == "tiles":
        mark = (np.abs(x - 0.5) < 0.025) | (np.abs(y - 0.5) < 0.025)
    elif pattern == "checker":
        mark = (x < 0.5) ^ (y < 0.5)
    elif pattern == "planks":
        mark = (np.abs(y - 0.33) < 0.02) | (np.abs(y - 0.67) < 0.02)
        mark |= (np.abs(x - 0.6) < 0.02) & (y < 0.33) | (np.abs(x - 0.25) < 0.02) & (y > 0.67)
    elif pattern == "carpet":
        mark = sh.circle(c, 0.25, 0.25, 0.05) | sh.circle(c, 0.75, 0.75, 0.05)
    else:
        mark = sh.circle(c, 0.3, 0.7, 0.04) | sh.circle(c, 0.7, 0.35, 0.03)
    grid = (x < 0.03) | (y < 0.03)
    full = np.ones_like(x, dtype=bool)
    return [(full, rgb), (mark, shade(rgb, 0.95)), (grid, line)]


def wall(c: Canvas) -> list[Layer]:
    """A wall tile: grey with faint mortar lines."""
    mortar = (np.abs(c.y - 0.5) < 0.03) | (c.y < 0.03)
    mortar |= (np.abs(c.x - 0.5) < 0.03) & (c.y < 0.5) | (c.x < 0.03) & (c.y > 0.5)
    return [(np.ones_like(c.x, dtype=bool), WALL_RGB), (mortar, MORTAR_RGB)]


def door_closed(c: Canvas) -> list[Layer]:
    """A closed door: a solid door panel in a dark frame, with a handle."""
    full = np.ones_like(c.x, dtype=bool)
    return [
        (full, DOOR_FRAME_RGB),
        (sh.rect(c, 0.1, 0.1, 0.9, 0.9), DOOR_RGB),
        (sh.rect(c, 0.2, 0.2, 0.8, 0.45) | sh.rect(c, 0.2, 0.55, 0.8, 0.8), shade(DOOR_RGB, 0.9)),
        (sh.circle(c, 0.72, 0.5, 0.09), DOOR_FRAME_RGB),
    ]


def door_open(c: Canvas) -> list[Layer]:
    """An open door: only its outline, around a pale threshold."""
    full = np.ones_like(c.x, dtype=bool)
    return [(full, DOOR_RGB), (sh.rect(c, 0.14, 0.14, 0.86, 0.86), THRESHOLD_RGB)]


# ---------------------------------------------------------------- furniture
def _bed(c: Canvas) -> list[Layer]:
    return [(sh.round_rect(c, .05, .05, .95, .95, .08), (112, 70, 40)),
            (sh.rect(c, .12, .12, .88, .88), (72, 104, 196)),
            (sh.rect(c, .12, .4, .88, .47), (120, 150, 224)),
            (sh.round_rect(c, .2, .14, .8, .34, .06), WHITE)]


def _nightstand(c: Canvas) -> list[Layer]:
    return [(sh.round_rect(c, .18, .18, .82, .82, .05), (150, 98, 58)),
            (sh.rect(c, .24, .47, .76, .52), (104, 66, 36)),
            (sh.circle(c, .5, .66, .06), BRASS)]


def _wardrobe(c: Canvas) -> list[Layer]:
    return [(sh.rect(c, .04, .04, .96, .96), (92, 56, 30)),
            (sh.rect(c, .48, .04, .52, .96), (52, 30, 16)),
            (sh.circle(c, .4, .5, .05) | sh.circle(c, .6, .5, .05), BRASS)]


def _dresser(c: Canvas) -> list[Layer]:
    lines = sh.rect(c, .06, .38, .94, .42) | sh.rect(c, .06, .58, .94, .62)
    knobs = sh.circle(c, .5, .29, .04) | sh.circle(c, .5, .5, .04) | sh.circle(c, .5, .71, .04)
    return [(sh.rect(c, .06, .18, .94, .82), (184, 120, 70)), (lines, (130, 80, 42)),
            (knobs, BRASS)]


def _desk(c: Canvas) -> list[Layer]:
    return [(sh.rect(c, .04, .08, .96, .62), (232, 232, 222)),
            (sh.rect(c, .1, .14, .4, .3), (150, 150, 160)),
            (sh.circle(c, .5, .8, .15), (44, 44, 56))]


def _bookshelf(c: Canvas) -> list[Layer]:
    layers: list[Layer] = [(sh.rect(c, .04, .04, .96, .96), (110, 72, 40))]
    spines = [(200, 50, 50), (50, 90, 190), (60, 160, 70), (230, 190, 50), (150, 60, 160)]
    for k in range(7):
        x0 = 0.1 + k * 0.115
        top = sh.rect(c, x0, 0.1, x0 + 0.09, 0.46)
        bottom = sh.rect(c, x0, 0.54, x0 + 0.09, 0.9)
        layers += [(top, spines[k % 5]), (bottom, spines[(k + 2) % 5])]
    return layers


def _sofa(c: Canvas) -> list[Layer]:
    frame = sh.rect(c, .04, .1, .96, .32) | sh.rect(c, .04, .1, .2, .9)
    frame |= sh.rect(c, .8, .1, .96, .9)
    return [(sh.round_rect(c, .04, .1, .96, .9, .06), (176, 56, 56)), (frame, (126, 36, 36)),
            (sh.rect(c, .49, .34, .51, .9), (126, 36, 36))]


def _armchair(c: Canvas) -> list[Layer]:
    frame = sh.rect(c, .16, .16, .84, .38) | sh.rect(c, .16, .16, .32, .86)
    frame |= sh.rect(c, .68, .16, .84, .86)
    return [(sh.round_rect(c, .16, .16, .84, .86, .08), (70, 140, 84)), (frame, (40, 94, 54))]


def _coffee_table(c: Canvas) -> list[Layer]:
    return [(sh.ellipse(c, .5, .5, .44, .3), (84, 58, 40)),
            (sh.ellipse(c, .5, .5, .34, .21), (176, 206, 218))]


def _tv_stand(c: Canvas) -> list[Layer]:
    return [(sh.rect(c, .04, .42, .96, .86), (72, 72, 80)),
            (sh.rect(c, .08, .16, .92, .34), (18, 18, 22)),
            (sh.rect(c, .12, .2, .88, .28), (70, 110, 200))]


def _table(c: Canvas) -> list[Layer]:
    return [(sh.round_rect(c, .05, .05, .95, .95, .1), (214, 168, 96)),
            (sh.round_rect(c, .13, .13, .87, .87, .06) & ~sh.rect(c, .17, .17, .83, .83),
             (180, 134, 70))]


def _counter(c: Canvas) -> list[Layer]:
    speck = sh.circle(c, .3, .3, .04) | sh.circle(c, .7, .45, .03) | sh.circle(c, .4, .7, .04)
    return [(sh.rect(c, .02, .02, .98, .98), (134, 138, 152)),
            (sh.rect(c, .02, .84, .98, .98), (96, 100, 112)), (speck, (168, 172, 184))]


def _fridge(c: Canvas) -> list[Layer]:
    handles = sh.segment(c, (.8, .12), (.8, .28), .035) | sh.segment(c, (.8, .48), (.8, .8), .035)
    return [(sh.round_rect(c, .1, .04, .9, .96, .06), (236, 242, 248)),
            (sh.rect(c, .1, .36, .9, .4), (150, 156, 166)), (handles, (90, 96, 108))]


def _stove(c: Canvas) -> list[Layer]:
    burners = sh.ring(c, .3, .3, .15, .08) | sh.ring(c, .7, .3, .15, .08)
    burners |= sh.ring(c, .3, .7, .15, .08) | sh.ring(c, .7, .7, .15, .08)
    return [(sh.rect(c, .05, .05, .95, .95), (40, 40, 44)), (burners, (226, 82, 40))]


def _sink(c: Canvas) -> list[Layer]:
    return [(sh.round_rect(c, .06, .08, .94, .92, .06), (204, 208, 216)),
            (sh.round_rect(c, .2, .3, .8, .84, .1), (120, 170, 204)),
            (sh.circle(c, .5, .18, .07), (90, 94, 104))]


def _toilet(c: Canvas) -> list[Layer]:
    return [(sh.round_rect(c, .22, .08, .78, .3, .04) | sh.ellipse(c, .5, .6, .24, .3), WHITE),
            (sh.ellipse(c, .5, .63, .12, .17), (160, 206, 228))]


def _bathtub(c: Canvas) -> list[Layer]:
    return [(sh.round_rect(c, .04, .04, .96, .96, .2), WHITE),
            (sh.round_rect(c, .14, .14, .86, .86, .14), (104, 178, 232)),
            (sh.circle(c, .5, .78, .05), (70, 90, 110))]


def _shower(c: Canvas) -> list[Layer]:
    grid = (np.abs(((c.x * 4) % 1) - 0.5) > 0.42) | (np.abs(((c.y * 4) % 1) - 0.5) > 0.42)
    tray = sh.rect(c, .04, .04, .96, .96)
    return [(tray, (206, 232, 244)), (tray & grid, (140, 176, 200)),
            (sh.circle(c, .5, .5, .08), (60, 70, 84))]


def _appliance(c: Canvas, body: RGB, inner: RGB) -> list[Layer]:
    return [(sh.round_rect(c, .08, .06, .92, .94, .06), body),
            (sh.rect(c, .12, .1, .88, .22), (150, 152, 160)),
            (sh.circle(c, .5, .58, .3), (70, 72, 82)), (sh.circle(c, .5, .58, .21), inner)]


def _crib(c: Canvas) -> list[Layer]:
    bars = (np.abs(((c.x * 6) % 1) - 0.5) < 0.18) & (sh.rect(c, .06, .06, .94, .2)
                                                     | sh.rect(c, .06, .8, .94, .94))
    return [(sh.rect(c, .06, .06, .94, .94), (236, 216, 150)),
            (sh.rect(c, .16, .2, .84, .8), (255, 250, 236)), (bars, (176, 140, 80))]


def _treadmill(c: Canvas) -> list[Layer]:
    return [(sh.rect(c, .16, .04, .84, .96), (124, 124, 132)),
            (sh.rect(c, .26, .24, .74, .96), (28, 28, 30)),
            (sh.rect(c, .16, .04, .84, .18), (56, 56, 66)), (sh.rect(c, .4, .08, .6, .14), BRASS)]


def _workbench(c: Canvas) -> list[Layer]:
    return [(sh.rect(c, .04, .1, .96, .9), (180, 138, 82)),
            (sh.rect(c, .04, .36, .96, .39) | sh.rect(c, .04, .61, .96, .64), (136, 98, 52)),
            (sh.rect(c, .1, .16, .34, .34), (120, 124, 134)),
            (sh.segment(c, (.55, .75), (.85, .75), .04), (60, 60, 70))]


def _cabinet(c: Canvas) -> list[Layer]:
    panels = sh.rect(c, .14, .14, .46, .86) | sh.rect(c, .54, .14, .86, .86)
    return [(sh.rect(c, .06, .06, .94, .94), (88, 110, 136)), (panels, (124, 146, 172)),
            (sh.circle(c, .4, .5, .04) | sh.circle(c, .6, .5, .04), BRASS)]


def _plant(c: Canvas) -> list[Layer]:
    leaves = sh.circle(c, .5, .3, .18) | sh.circle(c, .3, .44, .16) | sh.circle(c, .7, .44, .16)
    return [(sh.circle(c, .5, .66, .22), (194, 100, 56)),
            (sh.circle(c, .5, .66, .15), (96, 60, 36)),
            (leaves, (46, 150, 60)), (sh.circle(c, .5, .38, .08), (30, 110, 44))]


#: The drawing of each furniture kind (before its outline and the neutral floor).
FURNITURE_ART: dict[F, Callable[[Canvas], list[Layer]]] = {
    F.BED: _bed, F.NIGHTSTAND: _nightstand, F.WARDROBE: _wardrobe, F.DRESSER: _dresser,
    F.DESK: _desk, F.BOOKSHELF: _bookshelf, F.SOFA: _sofa, F.ARMCHAIR: _armchair,
    F.COFFEE_TABLE: _coffee_table, F.TV_STAND: _tv_stand, F.TABLE: _table,
    F.COUNTER: _counter, F.FRIDGE: _fridge, F.STOVE: _stove, F.SINK: _sink,
    F.TOILET: _toilet, F.BATHTUB: _bathtub, F.SHOWER: _shower,
    F.WASHING_MACHINE: lambda c: _appliance(c, (238, 238, 244), (84, 140, 226)),
    F.DRYER: lambda c: _appliance(c, (226, 220, 200), (232, 150, 60)),
    F.CRIB: _crib, F.TREADMILL: _treadmill, F.WORKBENCH: _workbench, F.CABINET: _cabinet,
    F.PLANT: _plant,
}


def furniture(c: Canvas, kind: F) -> list[Layer]:
    """A furniture tile: a dark-outlined silhouette on a neutral floor."""
    layers = FURNITURE_ART[kind](c)
    body = np.zeros_like(c.x, dtype=bool)
    for mask, _ in layers:
        body |= mask
    edge = sh.dilate(body, max(1, sh.outline_radius(c.tile) // 2))
    full = np.ones_like(c.x, dtype=bool)
    return [(full, NEUTRAL_RGB), (edge, OUTLINE_RGB), *layers]
