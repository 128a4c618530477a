"""Fresh houses drawn ahead in background processes, without changing which.

A :class:`~vlnenv.env.sources.GeneratedTasks` draw (a house seed, the house, an episode
in it) is a pure function of the generator state it starts from, and an environment's
generator is used for nothing else. So the draws an environment will make are known as
soon as its generator is seeded: :class:`Prefetcher` hands the state after each draw to
worker processes, which run the next ``depth`` draws of that chain ahead, and answers a
draw from a finished one when the generator's state matches (setting the generator to the
state the draw leaves it in). A state nobody prepared is drawn in the calling process.
Either way the draw is the same, so the same seed gives the same episodes with or without
a pool, and whatever the number of workers.

Worker processes are started with the platform's default ``multiprocessing`` context
(under ``spawn``, as on macOS and Windows, the calling script needs the usual
``if __name__ == "__main__":`` guard).
"""

from __future__ import annotations

import multiprocessing
import queue
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

import numpy as np

from vlnenv.tasks.episode import Episode
from vlnenv.world.generate import GeneratorConfig
from vlnenv.world.house import House

#: What identifies a generator state: (bit generator, state, increment, has_uint32,
#: uinteger) of a PCG64 (the bit generator Gymnasium's seeding makes).
StateKey = tuple[str, int, int, int, int]
#: One draw: the state it starts from, its house and episode, the state it leaves.
Draw = tuple[StateKey, House, Episode, dict[str, Any]]
#: The draw itself: (config, families, generator) -> (house, episode).
DrawFn = Callable[[GeneratorConfig, Sequence[str], np.random.Generator], tuple[House, Episode]]


def state_key(state: dict[str, Any]) -> StateKey | None:
    """The key of a bit generator's ``state`` dict, or ``None`` for bit generators other
    than PCG64 (never prefetched)."""
    if state.get("bit_generator") != "PCG64":
        return None
    inner = state["state"]
    return ("PCG64", int(inner["state"]), int(inner["inc"]), int(state["has_uint32"]),
            int(state["uinteger"]))


def draw_chain(
    draw: DrawFn, config: GeneratorConfig, families: Sequence[str], state: dict[str, Any],
    count: int,
) -> list[Draw]:
    """``count`` successive draws from the PCG64 ``state`` (what a worker runs)."""
    rng = np.random.Generator(np.random.PCG64())
    rng.bit_generator.state = state
    out: list[Draw] = []
    for _ in range(count):
        key = state_key(rng.bit_generator.state)
        house, episode = draw(config, families, rng)
        out.append((key, house, episode, rng.bit_generator.state))
    return out


class Prefetcher:
    """Draws of one generated-task source, prepared ahead by worker processes.

    Args:
        draw: the draw function (a module-level function, so workers can import it).
        config: generator config handed to ``draw``.
        families: task families handed to ``draw``.
        workers: worker processes (at least 1).
        depth: draws kept ready ahead of each generator.
        capacity: most draws kept ready in all (the oldest are dropped: a generator that
            was reseeded never asks for its old chain).
    """

    def __init__(
        self, draw: DrawFn, config: GeneratorConfig, families: Sequence[str], workers: int,
        depth: int = 2, capacity: int = 8192,
    ) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        if depth < 1:
            raise ValueError(f"depth must be at least 1, got {depth}")
        self.draw_fn, self.config, self.families = draw, config, tuple(families)
        self.depth, self.capacity = depth, capacity
        self._pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context())
        self._ready: OrderedDict[StateKey, tuple[House, Episode, dict[str, Any]]] = OrderedDict()
        self._pending: dict[StateKey, Future[list[Draw]]] = {}
        self._done: queue.SimpleQueue[Future[list[Draw]]] = queue.SimpleQueue()
        self._claimed: set[Future[list[Draw]]] = set()  # waited for in draw()
        self.hits = 0
        """Draws answered from the pool (the rest were drawn in the calling process)."""

    def draw(self, rng: np.random.Generator) -> tuple[House, Episode]:
        """The draw ``rng`` would make, from the pool when ready; leaves ``rng`` in the
        state the draw leaves it in."""
        key = state_key(rng.bit_generator.state)
        if key is None:
            return self.draw_fn(self.config, self.families, rng)
        self._collect()
        hit = self._ready.pop(key, None)
        if hit is None:
            hit = self._claim(key)
        if hit is None:
            house, episode = self.draw_fn(self.config, self.families, rng)
            after = rng.bit_generator.state
        else:
            house, episode, after = hit
            rng.bit_generator.state = after
            self.hits += 1
        self._ahead(after)
        return house, episode

    def _collect(self) -> None:
        """Move finished chains into the ready draws."""
        while not self._done.empty():
            future = self._done.get()
            if future.cancelled() or future in self._claimed:
                self._claimed.discard(future)
                continue
            for key, house, episode, after in future.result():
                self._pending.pop(key, None)
                self._ready[key] = (house, episode, after)
        while len(self._ready) > self.capacity:
            self._ready.popitem(last=False)

    def _claim(self, key: StateKey) -> tuple[House, Episode, dict[str, Any]] | None:
        """The draw from ``key`` when a worker is making it now (waits for it); ``None``
        when none is, or when it is still queued (then dropped: drawing it here is
        faster than waiting behind other chains)."""
        future = self._pending.pop(key, None)
        if future is None or future.cancel():
            return None
        first, *rest = future.result()
        self._claimed.add(future)  # its done-callback may still come: _collect skips it
        for later, house, episode, after in rest:
            self._ready[later] = (house, episode, after)
        return first[1], first[2], first[3]

    def _ahead(self, state: dict[str, Any]) -> None:
        """Make sure the ``depth`` draws after ``state`` are ready or being prepared."""
        key, count = state_key(state), 0
        while key in self._ready and count < self.depth:
            state = self._ready[key][2]
            key, count = state_key(state), count + 1
        if count < self.depth and key not in self._pending:
            future = self._pool.submit(
                draw_chain, self.draw_fn, self.config, self.families, state, self.depth - count)
            self._pending[key] = future
            future.add_done_callback(self._done.put)

    def close(self) -> None:
        """Stop the workers (draws not yet made are dropped)."""
        for future in self._pending.values():
            future.cancel()
        self._pending.clear()
        self._pool.shutdown(wait=True, cancel_futures=True)
