"""Rendering of a running ``GridHouseEnv`` for people: RGB frames (top-down map with the
agent, its path and the instruction underneath, or the egocentric view), a pygame window
(pygame is imported here only, when a window is asked for) and ANSI text."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from vlnenv.render.text import draw_text_block
from vlnenv.render.topdown import render_topdown
from vlnenv.world.house import Cell

if TYPE_CHECKING:
    from vlnenv.env.grid_house import GridHouseEnv

#: Tile size of the top-down map in rendered frames.
FRAME_TILE = 16

_ANSI_CELL = {Cell.WALL: "#", Cell.DOOR_CLOSED: "+", Cell.DOOR_OPEN: "/"}
_ARROWS = ">v<^"


def frame(env: GridHouseEnv, which: str = "topdown") -> np.ndarray:
    """An RGB frame of the current state: the map (or egocentric view) with the
    instruction and step count written underneath."""
    s = env.state
    if which == "egocentric":
        picture = env.observer.image(s.pose)
        scale = max(1, 256 // picture.shape[0])
        picture = picture.repeat(scale, 0).repeat(scale, 1)
    else:
        picture = render_topdown(
            env.house, FRAME_TILE, structure=s.structure, objects=s.objects,
            agent=s.pose, path=s.path,
        )
    # The step count on its own line keeps the band, hence the frame, one size all episode.
    caption = f"{env.episode.instruction}\n[step {s.step}/{env.episode.max_steps}]"
    return draw_text_block(picture, caption)


def ansi(env: GridHouseEnv) -> str:
    """The map as text: map glyphs, objects as ``*``, the agent as an arrow."""
    s = env.state
    house = env.house
    glyph_of = {kind: g for kind, g in house.furniture_glyphs.items()}
    lines = []
    for r in range(house.height):
        row = []
        for c in range(house.width):
            kind = Cell(int(s.structure[r, c]))
            if (r, c) == s.pos:
                row.append(_ARROWS[s.heading])
            elif (r, c) in s.objects:
                row.append("*")
            elif kind in _ANSI_CELL:
                row.append(_ANSI_CELL[kind])
            elif kind == Cell.FURNITURE:
                from vlnenv.world.furniture import Furniture

                row.append(glyph_of[Furniture(int(house.furniture[r, c]))])
            else:
                row.append(house.rooms[int(house.room_map[r, c])].letter)
        lines.append("".join(row))
    held = s.carrying
    carrying = "nothing" if held is None else f"{held.color.word} {held.kind.word}"
    lines.append(f"step {s.step}/{env.episode.max_steps}, carrying {carrying}")
    lines.append(env.episode.instruction)
    return "\n".join(lines) + "\n"


def show(picture: np.ndarray, title: str, window: Any, fps: int) -> Any:
    """Show ``picture`` in a pygame window (created on first use); returns the window."""
    import pygame

    if window is None:
        pygame.init()
        pygame.display.set_caption("vlnenv")
        window = {"screen": pygame.display.set_mode(picture.shape[1::-1]),
                  "clock": pygame.time.Clock()}
    screen = window["screen"]
    if screen.get_size() != picture.shape[1::-1]:
        screen = window["screen"] = pygame.display.set_mode(picture.shape[1::-1])
    surface = pygame.surfarray.make_surface(np.ascontiguousarray(picture.transpose(1, 0, 2)))
    screen.blit(surface, (0, 0))
    pygame.event.pump()
    pygame.display.flip()
    window["clock"].tick(fps)
    return window


def close(window: Any) -> None:
    """Close a window made by :func:`show`."""
    import pygame

    pygame.display.quit()
    pygame.quit()
