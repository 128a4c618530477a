"""Headless set-up of the episode-viewing tests: pygame's dummy video and audio drivers
(set before pygame initialises) and matplotlib's Agg backend."""

import pytest


@pytest.fixture(autouse=True)
def headless(monkeypatch):
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    monkeypatch.setenv("SDL_AUDIODRIVER", "dummy")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("PYGAME_HIDE_SUPPORT_PROMPT", "1")
