"""Short batches: take what is there, wait at most a few milliseconds when idle.

Faust's ``take_events(n, within)`` waited up to ``within`` (0.25 s) for a batch to fill,
and stopped reading the stream while its batch was in the database: the latency of a
lone event was at least that wait, and Faust's per-event work and the database's never
overlapped. Here the agent reads its stream into a :class:`Batches` buffer without acks
(``stream.noack()``), and a second task takes from it: everything buffered (up to
``size``) at once when the database thread is free, or, when nothing is buffered, the
first event and whatever follows it within ``idle`` seconds (a burst arriving
together is one batch). So the event loop keeps
reading (decoding Faust's messages, heartbeating) while a batch is in the database,
batches grow with the load and shrink to one event when it is light. The buffer holds at
most two batches: beyond that, reading waits (back-pressure, as ``take_events`` had).

Acks stay after the commit: the taker acks a batch's events once the handler has
committed it (streams/app.py), and Faust commits acked offsets.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Any


class Batches:
    """A bounded buffer of events between one stream reader and one batch taker."""

    def __init__(self, size: int, idle: float) -> None:
        self.size = size
        self.idle = idle
        self._items: deque[Any] = deque()
        self._arrived = asyncio.Event()  # set while something is buffered
        self._full = asyncio.Event()  # set once ``size`` are buffered
        self._room = asyncio.Event()  # set while there is room for more
        self._room.set()

    def __len__(self) -> int:
        return len(self._items)

    async def put(self, item: Any) -> None:
        while len(self._items) >= 2 * self.size:
            self._room.clear()
            await self._room.wait()
        self._items.append(item)
        self._arrived.set()
        if len(self._items) >= self.size:
            self._full.set()

    async def take(self) -> list[Any]:
        """Everything buffered, up to ``size``, at once; when nothing is, the first event
        and what follows within ``idle`` seconds (or until ``size`` are there)."""
        if not self._items:
            while not self._items:
                self._arrived.clear()
                await self._arrived.wait()
            if self.idle > 0 and len(self._items) < self.size:
                self._full.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._full.wait(), self.idle)
        taken = [self._items.popleft() for _ in range(min(self.size, len(self._items)))]
        if not self._items:
            self._arrived.clear()
        self._room.set()
        return taken


async def run_batches(stream: Any, batches: Batches,
                      process: Callable[[Sequence[Any]], Awaitable[None]]) -> None:
    """Read ``stream`` (acks off) into ``batches`` and process them one at a time, each
    acked after ``process`` returns (or is cancelled once its batch committed: process
    waits for its transaction before letting a cancellation through)."""
    manual = stream.noack()

    async def read() -> None:
        async for event in manual.events():
            await batches.put(event)

    async def handle() -> None:
        while True:
            events = await batches.take()
            try:
                await process(events)
            finally:
                for event in events:
                    await manual.ack(event)

    reader = asyncio.ensure_future(read())
    taker = asyncio.ensure_future(handle())
    try:
        done, _pending = await asyncio.wait({reader, taker},
                                            return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            task.result()  # an error of either ends the agent (Faust restarts it)
    finally:
        for task in (reader, taker):
            task.cancel()
        for task in (reader, taker):
            with contextlib.suppress(asyncio.CancelledError):
                await task
