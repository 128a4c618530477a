"""Playing episodes by hand: ``vln play``.

Keys follow Minigrid's manual control: left/right arrows turn, up arrow moves forward,
space toggles a door, page-up or tab picks up, page-down or shift drops, enter stops;
backspace restarts the episode, ``n`` goes to the next one, ``r`` shows or hides the
reference path, escape quits. Once an episode has ended, action keys are ignored until
backspace or ``n``.

The key handling is split so it can be tested without a screen: :func:`key_command`
maps key names to commands, :class:`PlaySession` applies commands to an environment and
composes frames (:mod:`agents.viz.frames`), and :func:`play` feeds a session either a
scripted list of key names or pygame's key events, showing each frame in a window
(pygame is imported there only; under ``SDL_VIDEODRIVER=dummy`` it runs headless).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

import numpy as np

from agents.viz.episodes import EpisodeProvider
from agents.viz.frames import Layout, compose, scene_from_env
from vlnenv.actions import Action
from vlnenv.env.grid_house import GridHouseEnv
from vlnenv.errors import VLNError


class PlayError(VLNError):
    """A key name that means nothing to ``vln play``, or no window to play in."""


class Command(Enum):
    """Keys that do not act in the world."""

    RESET = "reset"
    NEXT = "next"
    REFERENCE = "reference"
    QUIT = "quit"


#: Key name -> what it does.
KEYS: dict[str, Action | Command] = {
    "left": Action.TURN_LEFT,
    "right": Action.TURN_RIGHT,
    "up": Action.FORWARD,
    "space": Action.TOGGLE,
    "pageup": Action.PICKUP,
    "tab": Action.PICKUP,
    "pagedown": Action.DROP,
    "shift": Action.DROP,
    "enter": Action.STOP,
    "backspace": Command.RESET,
    "n": Command.NEXT,
    "r": Command.REFERENCE,
    "escape": Command.QUIT,
}
#: Other spellings of key names (pygame's among them) -> the names of :data:`KEYS`.
ALIASES: dict[str, str] = {
    "page up": "pageup", "page_up": "pageup", "page down": "pagedown",
    "page_down": "pagedown", "left shift": "shift", "right shift": "shift",
    "return": "enter", "keypad enter": "enter", "esc": "escape",
}
#: Action -> the first key that takes it (to turn a list of actions into keys).
ACTION_KEYS: dict[Action, str] = {}
for _name, _command in KEYS.items():
    if isinstance(_command, Action):
        ACTION_KEYS.setdefault(_command, _name)


def key_command(name: str) -> Action | Command | None:
    """What the key called ``name`` does (``None`` for keys without a meaning)."""
    key = name.strip().lower()
    return KEYS.get(ALIASES.get(key, key))


def parse_keys(text: str) -> list[str]:
    """``"up,up,left,enter"`` -> ``["up", "up", "left", "enter"]``.

    Raises:
        PlayError: a name that is not a key of :data:`KEYS` or :data:`ALIASES`.
    """
    names = [k.strip() for k in text.split(",") if k.strip()]
    unknown = [k for k in names if key_command(k) is None]
    if unknown:
        raise PlayError(f"unknown key name(s) {unknown}; expected some of "
                        f"{sorted(KEYS) + sorted(ALIASES)}")
    return names


def keys_for_actions(actions: Iterable[int]) -> list[str]:
    """The key names that take ``actions`` in order."""
    return [ACTION_KEYS[Action(a)] for a in actions]


class PlaySession:
    """One person playing episodes: the environment, which episode, and the view options.

    Args:
        episodes: where the episodes come from (``n`` takes the next one).
        layout: frame sizes.
    """

    def __init__(self, episodes: EpisodeProvider, layout: Layout | None = None) -> None:
        self.episodes = episodes
        self.layout = layout or Layout()
        self.env = GridHouseEnv()
        self.number = 0
        self.show_reference = False
        self.last_action: int | None = None
        self.done = False
        self.running = True
        self.load(0)

    def load(self, number: int) -> None:
        """Start episode ``number`` of the provider (from its beginning)."""
        self.number = number
        ref = self.episodes.get(number)
        self.env.reset(options={"episode": ref.episode, "house": ref.house})
        self.last_action, self.done = None, False

    def handle(self, command: Action | Command | None) -> None:
        """Apply one key's command; actions after the end of an episode are ignored."""
        if command is None:
            return
        if command is Command.QUIT:
            self.running = False
        elif command is Command.RESET:
            self.load(self.number)
        elif command is Command.NEXT:
            self.load(self.number + 1)
        elif command is Command.REFERENCE:
            self.show_reference = not self.show_reference
        elif not self.done:
            _, _, terminated, truncated, _ = self.env.step(int(command))
            self.last_action, self.done = int(command), terminated or truncated

    def frame(self) -> np.ndarray:
        """The current frame (see :func:`agents.viz.frames.compose`)."""
        scene = scene_from_env(self.env, action=self.last_action, action_label="last",
                               show_reference=self.show_reference)
        return compose(scene, self.layout)

    @property
    def success(self) -> bool | None:
        """``None`` while the episode runs, else its verdict."""
        return bool(self.env.success) if self.done else None

    @property
    def title(self) -> str:
        """The window title: the episode and the keys."""
        episode = self.env.episode
        return (f"vln play: {episode.episode_id} ({episode.family}) - arrows move, space "
                "door, tab/shift pick up/drop, enter stop, r reference, backspace reset, "
                "n next, esc quit")


@dataclass(frozen=True)
class PlayResult:
    """How a play session ended."""

    episode_id: str
    """The episode on screen at the end."""
    steps: int
    """Actions taken in it."""
    success: bool | None
    """Its verdict, ``None`` if it had not ended."""
    frame: np.ndarray
    """The last frame shown."""


def _pygame_keys(pygame: Any) -> Iterator[str]:
    """Names of keys pressed in the window, until it is closed."""
    while True:
        event = pygame.event.wait()
        if event.type == pygame.QUIT:
            yield "escape"
        elif event.type == pygame.KEYDOWN:
            yield pygame.key.name(event.key)


#: SDL video drivers that open no window a person can see or type into.
HEADLESS_DRIVERS: tuple[str, ...] = ("dummy", "offscreen", "evdev")


def display_problem(environ: Mapping[str, str], platform: str) -> str | None:
    """Why no window can be shown for playing by hand (``None`` when one can): on Linux and
    other X11/Wayland systems, neither ``DISPLAY`` nor ``WAYLAND_DISPLAY`` is set and
    ``SDL_VIDEODRIVER`` names no windowing driver; anywhere, ``SDL_VIDEODRIVER`` names a
    headless one (:data:`HEADLESS_DRIVERS`).

    Args:
        environ: the environment variables (``os.environ``).
        platform: ``sys.platform``.
    """
    driver = environ.get("SDL_VIDEODRIVER", "").strip().lower()
    if driver in HEADLESS_DRIVERS:
        return f"SDL_VIDEODRIVER={driver} shows no window"
    if driver or platform in ("win32", "cygwin", "darwin"):
        return None
    if environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"):
        return None
    return "no display (DISPLAY and WAYLAND_DISPLAY are not set)"


def save_png(frame: np.ndarray, path: str | os.PathLike[str]) -> Path:
    """Write ``frame`` as a PNG atomically (temporary file, then rename)."""
    from PIL import Image

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        Image.fromarray(frame).save(tmp, format="PNG")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def play(episodes: EpisodeProvider, script: Iterable[str] | None = None,
         save_last: str | os.PathLike[str] | None = None, layout: Layout | None = None,
         fps: int = 30) -> PlayResult:
    """Play episodes in a pygame window.

    Args:
        episodes: where the episodes come from.
        script: key names to press in order, then quit (``None``: read the keyboard until
            escape or the window is closed).
        save_last: write the last frame shown to this PNG.
        layout: frame sizes.
        fps: the most frames a second the window is redrawn (a script is not slowed).

    Raises:
        PlayError: an unknown key name in ``script``; or no window can be shown
            (:func:`display_problem`) and there is no ``script`` (a script runs headless).
    """
    problem = display_problem(os.environ, sys.platform)
    if problem is not None and script is None:
        raise PlayError(f"cannot play by hand: {problem}; expected a desktop session. Record "
                        "instead: `vln record --policy oracle --episode ID --out episode.gif`, "
                        "or press keys headless with --keys \"up,left,enter\"")
    if problem is not None:  # a script needs no window (documented: --keys runs headless)
        os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")  # no sound: do not probe devices
    import pygame

    from vlnenv.env import rendering

    keys = parse_keys(",".join(script)) if script is not None else None
    rate = fps if keys is None else 0  # a script runs as fast as it can
    session = PlaySession(episodes, layout)
    frame = session.frame()
    window = rendering.show(frame, session.title, None, rate)
    driver = pygame.display.get_driver()
    if script is None and driver in HEADLESS_DRIVERS:  # SDL fell back: no window to see
        rendering.close(window)
        raise PlayError(f"cannot play by hand: no display could be opened (SDL chose the "
                        f"{driver!r} driver); expected a desktop session. Record instead: "
                        "`vln record --policy oracle --episode ID --out episode.gif`, or "
                        "press keys headless with --keys \"up,left,enter\"")
    pygame.display.set_caption(session.title)
    try:
        source = iter(keys) if keys is not None else _pygame_keys(pygame)
        for name in source:
            session.handle(key_command(name))
            if not session.running:
                break
            frame = session.frame()
            window = rendering.show(frame, session.title, window, rate)
            pygame.display.set_caption(session.title)
    finally:
        rendering.close(window)
    if save_last is not None:
        save_png(frame, save_last)
    return PlayResult(session.env.episode.episode_id, session.env.state.step,
                      session.success, frame)
