"""Procedural drawings of every small object kind, without a colour of their own.

Each drawing is a list of ``(mask, paint)`` layers (see :mod:`vlnenv.render.base_art`) where
``paint`` is ``FILL`` (the object's colour), ``DETAIL`` (a darker or lighter shade of it,
:func:`detail_shade`) or a fixed RGB triple. :mod:`vlnenv.render.tile_atlas` colours them and adds
a dark outline so that pale objects show on pale floors. Shapes stay inside the central
part of the tile, so the furniture an object lies on shows around it, and every kind has
its own silhouette even at 8 px.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from vlnenv.render import shapes as sh
from vlnenv.render.base_art import RGB, Layer, shade
from vlnenv.render.shapes import Canvas
from vlnenv.world.objects import ObjectKind as O

FILL = "fill"
DETAIL = "detail"


def _pillow(c: Canvas) -> list[Layer]:
    return [(sh.round_rect(c, .18, .3, .82, .7, .1), FILL),
            (sh.circle(c, .5, .5, .05), DETAIL)]


def _blanket(c: Canvas) -> list[Layer]:
    corner = sh.triangle(c, (.84, .46), (.84, .84), (.46, .84))
    flap = sh.triangle(c, (.46, .46), (.82, .46), (.46, .82))
    return [(sh.rect(c, .16, .16, .84, .84) & ~corner, FILL),
            (sh.rect(c, .16, .28, .84, .33) & ~corner, DETAIL), (flap, DETAIL)]


def _cup(c: Canvas) -> list[Layer]:
    return [(sh.rect(c, .26, .3, .62, .8) | sh.ring(c, .64, .55, .16, .07), FILL),
            (sh.rect(c, .3, .33, .58, .41), DETAIL)]


def _plate(c: Canvas) -> list[Layer]:
    return [(sh.circle(c, .5, .5, .34), FILL), (sh.ring(c, .5, .5, .24, .19), DETAIL)]


def _bowl(c: Canvas) -> list[Layer]:
    body = sh.circle(c, .5, .4, .3) & (c.y >= .4)
    return [(body | sh.rect(c, .17, .34, .83, .44), FILL), (sh.rect(c, .22, .37, .78, .42), DETAIL)]


def _spoon(c: Canvas) -> list[Layer]:
    return [(sh.segment(c, (.28, .82), (.56, .46), .05) | sh.ellipse(c, .63, .32, .12, .15), FILL),
            (sh.ellipse(c, .63, .32, .06, .08), DETAIL)]


def _apple(c: Canvas) -> list[Layer]:
    return [(sh.circle(c, .5, .58, .26), FILL), (sh.segment(c, (.5, .34), (.56, .18), .04), DETAIL),
            (sh.ellipse(c, .66, .24, .1, .05), (60, 160, 60))]


def _banana(c: Canvas) -> list[Layer]:
    crescent = sh.circle(c, .5, .24, .5) & ~sh.circle(c, .5, .08, .52)
    return [(crescent & sh.rect(c, .16, 0, .84, 1), FILL), (sh.circle(c, .2, .52, .05), DETAIL)]


def _bottle(c: Canvas) -> list[Layer]:
    body = sh.round_rect(c, .36, .42, .64, .84, .06) | sh.rect(c, .44, .2, .56, .44)
    return [(body, FILL), (sh.rect(c, .42, .18, .58, .26) | sh.rect(c, .36, .58, .64, .7), DETAIL)]


def _book(c: Canvas) -> list[Layer]:
    return [(sh.rect(c, .28, .16, .72, .84), FILL), (sh.rect(c, .28, .16, .36, .84), DETAIL)]


def _pen(c: Canvas) -> list[Layer]:
    return [(sh.segment(c, (.22, .8), (.76, .2), .055), FILL),
            (sh.segment(c, (.22, .8), (.32, .69), .055), DETAIL)]


def _laptop(c: Canvas) -> list[Layer]:
    return [(sh.rect(c, .3, .18, .7, .5) | sh.rect(c, .16, .54, .84, .78), FILL),
            (sh.rect(c, .34, .23, .66, .45) | sh.rect(c, .36, .64, .64, .7), DETAIL)]


def _phone(c: Canvas) -> list[Layer]:
    return [(sh.round_rect(c, .34, .22, .66, .78, .06), FILL),
            (sh.rect(c, .39, .3, .61, .66), DETAIL)]


def _remote(c: Canvas) -> list[Layer]:
    buttons = sh.circle(c, .5, .3, .04) | sh.circle(c, .5, .48, .03) | sh.circle(c, .5, .62, .03)
    return [(sh.round_rect(c, .43, .14, .57, .86, .05), FILL), (buttons, DETAIL)]


def _keys(c: Canvas) -> list[Layer]:
    shaft = sh.segment(c, (.48, .48), (.8, .8), .05) | sh.segment(c, (.7, .7), (.62, .8), .04)
    return [(sh.ring(c, .36, .36, .18, .08) | shaft, FILL), (sh.circle(c, .36, .36, .03), DETAIL)]


def _towel(c: Canvas) -> list[Layer]:
    rod = sh.segment(c, (.2, .24), (.8, .24), .04)
    return [(sh.rect(c, .3, .24, .7, .84) | rod, FILL), (sh.rect(c, .3, .7, .7, .76), DETAIL)]


def _soap(c: Canvas) -> list[Layer]:
    return [(sh.ellipse(c, .5, .56, .3, .18), FILL), (sh.ellipse(c, .42, .5, .1, .05), DETAIL)]


def _toothbrush(c: Canvas) -> list[Layer]:
    bristles = sh.rect(c, .6, .36, .84, .58)
    return [(sh.segment(c, (.2, .62), (.7, .62), .05) | bristles, FILL),
            (bristles & (np.abs(((c.x * 12) % 1) - 0.5) < 0.2), DETAIL)]


def _toy(c: Canvas) -> list[Layer]:
    star = sh.triangle(c, (.5, .14), (.18, .68), (.82, .68))
    star |= sh.triangle(c, (.5, .86), (.18, .32), (.82, .32))
    return [(star, FILL), (sh.circle(c, .5, .5, .08), DETAIL)]


def _teddy_bear(c: Canvas) -> list[Layer]:
    body = sh.circle(c, .5, .36, .15) | sh.circle(c, .32, .22, .08) | sh.circle(c, .68, .22, .08)
    body |= sh.ellipse(c, .5, .68, .16, .15) | sh.segment(c, (.24, .58), (.76, .58), .06)
    return [(body, FILL), (sh.circle(c, .5, .45, .06), DETAIL)]


def _ball(c: Canvas) -> list[Layer]:
    seam = sh.ring(c, .28, .5, .3, .26) & sh.circle(c, .5, .5, .26)
    return [(sh.circle(c, .5, .5, .26), FILL), (seam, DETAIL)]


def _shoe(c: Canvas) -> list[Layer]:
    body = sh.rect(c, .26, .2, .48, .64) | sh.round_rect(c, .26, .54, .82, .8, .1)
    return [(body, FILL), (sh.rect(c, .26, .74, .82, .8), DETAIL)]


def _hat(c: Canvas) -> list[Layer]:
    crown = sh.round_rect(c, .32, .26, .68, .68, .08)
    return [(crown | sh.ellipse(c, .5, .68, .36, .1), FILL),
            (sh.rect(c, .32, .54, .68, .61), DETAIL)]


def _wrench(c: Canvas) -> list[Layer]:
    head = sh.circle(c, .66, .34, .16) & ~sh.rect(c, .62, .12, .86, .38)
    return [(sh.segment(c, (.24, .78), (.62, .4), .06) | head, FILL),
            (sh.circle(c, .26, .76, .03), DETAIL)]


def _dumbbell(c: Canvas) -> list[Layer]:
    weights = sh.round_rect(c, .18, .28, .34, .72, .04) | sh.round_rect(c, .66, .28, .82, .72, .04)
    return [(weights | sh.rect(c, .3, .46, .7, .54), FILL),
            (sh.rect(c, .24, .28, .28, .72), DETAIL)]


def _candle(c: Canvas) -> list[Layer]:
    flame = sh.triangle(c, (.5, .12), (.43, .28), (.57, .28)) | sh.circle(c, .5, .28, .07)
    dish = sh.ellipse(c, .5, .74, .3, .06)
    return [(sh.rect(c, .42, .34, .58, .72) | dish, FILL), (flame, (255, 176, 40)),
            (dish, DETAIL)]


#: The drawing of each object kind.
OBJECT_ART: dict[O, Callable[[Canvas], list[Layer]]] = {
    O.PILLOW: _pillow, O.BLANKET: _blanket, O.CUP: _cup, O.PLATE: _plate, O.BOWL: _bowl,
    O.SPOON: _spoon, O.APPLE: _apple, O.BANANA: _banana, O.BOTTLE: _bottle, O.BOOK: _book,
    O.PEN: _pen, O.LAPTOP: _laptop, O.PHONE: _phone, O.REMOTE: _remote, O.KEYS: _keys,
    O.TOWEL: _towel, O.SOAP: _soap, O.TOOTHBRUSH: _toothbrush, O.TOY: _toy,
    O.TEDDY_BEAR: _teddy_bear, O.BALL: _ball, O.SHOE: _shoe, O.HAT: _hat, O.WRENCH: _wrench,
    O.DUMBBELL: _dumbbell, O.CANDLE: _candle,
}


def detail_shade(rgb: RGB) -> RGB:
    """The shade used for an object's details: darker for light colours, lighter for dark."""
    lum = 0.3 * rgb[0] + 0.59 * rgb[1] + 0.11 * rgb[2]
    if lum > 70:
        return shade(rgb, 0.6)
    return tuple(int(v + 0.5 * (255 - v)) for v in rgb)  # type: ignore[return-value]
