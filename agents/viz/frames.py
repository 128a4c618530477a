"""Episode frames for people: the egocentric view (scaled up) beside the top-down map, the
instruction underneath, and a status bar (step, action, and the success or failure banner
at the end). ``vln play`` shows them in a window, ``vln record`` writes them to a video.

:func:`compose` is a pure function of a :class:`Scene` (a snapshot of an episode at one
step, taken by :func:`scene_from_env`), so frames can be tested without a window. Frames
of one episode all have the same size.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from agents.viz.captions import instruction_band, status_bar
from agents.viz.heat import AttentionMap, heat_overlay, normalise, word_weights
from vlnenv.actions import Action
from vlnenv.render.text import auto_scale, draw_text, text_height
from vlnenv.render.topdown import render_topdown
from vlnenv.world.house import House, Item, Pos

if TYPE_CHECKING:
    from vlnenv.env.grid_house import GridHouseEnv

RGB = tuple[int, int, int]

#: Frame background, between and around the panels.
BACKGROUND: RGB = (24, 24, 28)
#: Tint of the reference path's cells on the map (when shown).
REFERENCE_RGB: RGB = (0, 210, 80)
#: Status bar colours: while the episode runs, and the banners at its end.
RUNNING_RGB: RGB = (55, 55, 70)
SUCCESS_RGB: RGB = (30, 150, 60)
FAILURE_RGB: RGB = (195, 45, 45)


@dataclass(frozen=True)
class Layout:
    """Sizes of the frame's parts."""

    view_scale: int = 4
    """Each egocentric-view pixel becomes ``view_scale x view_scale`` pixels."""
    min_tile: int = 6
    """Smallest map tile in pixels (very large houses)."""
    max_tile: int = 24
    """Largest map tile in pixels (very small houses)."""
    max_map_width: int = 480
    """The map is drawn with a smaller tile rather than grow wider than this (pixels)."""
    gap: int = 8
    """Pixels between and around the panels."""
    font_scale: int | None = None
    """Scale of the bitmap font; ``None`` picks one from the frame width."""


@dataclass(frozen=True)
class Scene:
    """A snapshot of an episode at one step: everything a frame shows."""

    house: House
    """The house."""
    structure: np.ndarray
    """``(H, W)`` structure with doors as they are now."""
    objects: dict[Pos, Item]
    """Objects where they lie now."""
    pose: tuple[int, int, int]
    """Agent ``(row, col, heading)``."""
    path: tuple[Pos, ...]
    """Cells walked so far, start included."""
    view: np.ndarray
    """``(S, S, 3)`` uint8 egocentric view."""
    instruction: str
    """The instruction."""
    step: int
    """Actions taken so far."""
    max_steps: int
    """The episode's step budget."""
    reference: tuple[Pos, ...] = ()
    """The reference path (highlighted on the map when ``show_reference``)."""
    show_reference: bool = False
    """Highlight the reference path's cells."""
    carrying: Item | None = None
    """The object in the agent's hands."""
    action: int | None = None
    """An action to name in the status bar (see ``action_label``)."""
    action_label: str = "action"
    """How the status bar names ``action`` (``"action"``: taken from this state; ``"last"``:
    the one that led here)."""
    outcome: bool | None = None
    """``None`` while the episode runs; at its end, ``True`` for success."""
    stopped: bool = False
    """Whether the episode ended with ``stop`` (else it ran out of steps)."""
    attention: AttentionMap | None = None
    """Where the policy looked at this step: heat over the view, shaded words."""
    labels: tuple[str, str] = ("egocentric view", "map")
    """Titles of the two panels."""


def scene_from_env(env: GridHouseEnv, **extra: object) -> Scene:
    """Snapshot ``env`` (after ``reset`` or ``step``) as a :class:`Scene`; ``extra`` sets
    the remaining fields (``action``, ``show_reference``, ``attention``, ...)."""
    s, ep = env.state, env.episode
    ended = s.stopped or s.step >= ep.max_steps
    fields: dict[str, object] = dict(
        house=env.house, structure=s.structure.copy(), objects=dict(s.objects),
        pose=s.pose, path=tuple(s.path), view=env.observer.image(s.pose).copy(),
        instruction=ep.instruction, step=s.step, max_steps=ep.max_steps,
        reference=tuple(ep.reference_path), carrying=s.carrying,
        outcome=bool(env.success) if ended else None, stopped=s.stopped,
    )
    fields.update(extra)
    return Scene(**fields)  # type: ignore[arg-type]


def map_tile(house: House, height: int, layout: Layout) -> int:
    """The map tile that makes the map about ``height`` pixels tall, within the layout's
    bounds."""
    tile = height // max(house.height, 1)
    tile = min(tile, layout.max_map_width // max(house.width, 1))
    return int(np.clip(tile, layout.min_tile, layout.max_tile))


def view_panel(scene: Scene, layout: Layout) -> np.ndarray:
    """The egocentric view scaled up, with the attention heat when there is one."""
    s = layout.view_scale
    view = scene.view.repeat(s, 0).repeat(s, 1)  # (S*s, S*s, 3)
    if scene.attention is not None:
        view = heat_overlay(view, scene.attention.cells)
    return view


def map_panel(scene: Scene, height: int, layout: Layout) -> np.ndarray:
    """The top-down map about ``height`` pixels tall: agent, walked path, and the
    reference path's cells highlighted when asked for."""
    return render_topdown(
        scene.house, map_tile(scene.house, height, layout), structure=scene.structure,
        objects=scene.objects, agent=scene.pose, path=scene.path,
        highlight=scene.reference if scene.show_reference else None,
        highlight_rgb=REFERENCE_RGB,
    )


def _paste_row(panels: list[np.ndarray], labels: tuple[str, str], gap: int,
               scale: int) -> np.ndarray:
    """Panels side by side, top-aligned, each under its label, ``gap`` pixels apart."""
    label_h = text_height(1, scale) + gap
    height = max(p.shape[0] for p in panels) + label_h + 2 * gap
    width = sum(p.shape[1] for p in panels) + gap * (len(panels) + 1)
    row = np.empty((height, width, 3), np.uint8)
    row[:] = BACKGROUND
    x = gap
    for panel, label in zip(panels, labels, strict=True):
        draw_text(row, label, x, gap, (200, 200, 200), scale)
        row[gap + label_h:gap + label_h + panel.shape[0], x:x + panel.shape[1]] = panel
        x += panel.shape[1] + gap
    return row


def status_text(scene: Scene) -> str:
    """The status bar's two lines: the step and the action (the verdict once the episode
    has ended), then what the agent holds."""
    if scene.outcome is not None:
        verdict = "SUCCESS" if scene.outcome else "FAILURE"
        how = (f"stopped at step {scene.step}" if scene.stopped
               else f"out of steps ({scene.step}/{scene.max_steps})")
        first = f"{verdict}: {how}"
    else:
        first = f"step {scene.step}/{scene.max_steps}"
        if scene.action is not None:
            first += f"   {scene.action_label}: {Action(scene.action).word}"
    held = scene.carrying
    second = "hands empty" if held is None else f"holding {held.color.word} {held.kind.word}"
    return f"{first}\n{second}"


def status_colour(scene: Scene) -> RGB:
    """Grey while running, green on success, red on failure."""
    if scene.outcome is None:
        return RUNNING_RGB
    return SUCCESS_RGB if scene.outcome else FAILURE_RGB


def compose(scene: Scene, layout: Layout | None = None) -> np.ndarray:
    """The frame of ``scene``: view and map side by side, the instruction underneath (words
    shaded by attention when there is one), and the status bar at the bottom.

    Returns:
        ``(H, W, 3)`` uint8; ``H`` and ``W`` depend only on the house, the instruction,
        the view size and ``layout``, so all frames of an episode have one size.
    """
    layout = layout or Layout()
    view = view_panel(scene, layout)
    picture = map_panel(scene, view.shape[0], layout)
    width = view.shape[1] + picture.shape[1] + 3 * layout.gap
    scale = layout.font_scale or auto_scale(width)
    row = _paste_row([view, picture], scene.labels, layout.gap, scale)
    weights = None
    if scene.attention is not None and scene.attention.tokens is not None:
        weights = normalise(word_weights(scene.instruction, scene.attention.tokens))
    band = instruction_band(scene.instruction, width, scale, weights=weights)
    bar = status_bar(status_text(scene), width, scale, status_colour(scene))
    return np.concatenate([row, band, bar], axis=0)
