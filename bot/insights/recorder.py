"""Fire-and-forget recording: a bounded in-memory queue and one writer task.

A reply never waits for the database. :meth:`Recorder.submit` only puts an
:class:`~bot.insights.store.Event` on a bounded queue (dropping it when the
queue is full); one writer task takes events off in batches and writes each
batch in one transaction. The same task purges expired rows when it starts
and then once a day.

When the database fails (locked by another process past the busy timeout,
read-only, disk full, deleted), the batch is dropped, a single warning says
"insights unavailable" with the error class only (never user data), and the
writer keeps going: the next batch that succeeds logs "available again".
Answers are never affected because nothing on the reply path awaits the
writer.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from datetime import date

from bot.insights.store import Event, InsightsStore, utc_today

log = logging.getLogger(__name__)

QUEUE_SIZE = 1000
"""Events held in memory at most; beyond this, new events are dropped (counted, never blocking)."""

BATCH_SIZE = 200
"""Events written per transaction at most."""

PURGE_INTERVAL = 24 * 60 * 60.0
"""Seconds between purges of expired rows (the first runs when the writer starts)."""

CLOSE_TIMEOUT = 5.0
"""Seconds :meth:`Recorder.close` waits for queued events to be written."""

_STOP = object()


def describe(exc: BaseException) -> str:
    """Name an error without its message details: ``OperationalError (SQLITE_BUSY)``, ``OSError (errno 28)``."""
    name = type(exc).__name__
    code = getattr(exc, "sqlite_errorname", None) or (f"errno {exc.errno}" if isinstance(exc, OSError) else None)
    return f"{name} ({code})" if code else name


class Recorder:
    """Owns the queue and the writer task for one :class:`InsightsStore`."""

    def __init__(
        self,
        store: InsightsStore,
        retention_days: Callable[[], Awaitable[int]],
        *,
        queue_size: int = QUEUE_SIZE,
        purge_interval: float = PURGE_INTERVAL,
        clock: Callable[[], date] = utc_today,
    ) -> None:
        """Prepare (but do not start) the writer; ``retention_days`` gives the bot-wide default retention."""
        self.store = store
        self._retention_days = retention_days
        self._queue: asyncio.Queue[Event | object] = asyncio.Queue(maxsize=queue_size)
        self._purge_interval = purge_interval
        self._clock = clock
        self._task: asyncio.Task[None] | None = None
        self._failing = False
        self._full = False
        self.dropped = 0
        self.written = 0

    @property
    def available(self) -> bool:
        """Whether the last write (or purge) succeeded and the writer is running."""
        return self._task is not None and not self._task.done() and not self._failing

    def start(self) -> None:
        """Start the writer task (once)."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="insights-writer")
            self._task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        """Log (without user data) if the writer ever stops for a reason other than :meth:`close`."""
        if not task.cancelled() and task.exception() is not None:
            log.error("insights writer stopped: %s; answers are not affected", describe(task.exception()))

    def submit(self, event: Event) -> bool:
        """Queue ``event`` without waiting; ``False`` (and counted as dropped) if it cannot be queued."""
        if self._task is None or self._task.done():
            self.dropped += 1
            return False
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            self.dropped += 1
            if not self._full:
                self._full = True
                log.warning("insights queue full (%d events); dropping counts until it drains", self._queue.maxsize)
            return False
        self._full = False
        return True

    async def flush(self) -> None:
        """Wait until every event queued so far has been written or dropped."""
        if self._task is not None and not self._task.done():
            await self._queue.join()

    async def close(self, timeout: float = CLOSE_TIMEOUT) -> None:
        """Write what is queued (up to ``timeout`` seconds), stop the writer and close the database."""
        task = self._task
        if task is not None and not task.done():
            try:
                await asyncio.wait_for(self._queue.put(_STOP), timeout)
                await asyncio.wait_for(asyncio.shield(task), timeout)
            except TimeoutError:
                log.warning(
                    "insights writer did not finish in %.0f s; %d queued events lost", timeout, self._queue.qsize()
                )
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        await self.store.close()

    async def _run(self) -> None:
        """The writer: purge, then write batches and purge again every :data:`PURGE_INTERVAL` seconds."""
        loop = asyncio.get_running_loop()
        await self._purge()
        next_purge = loop.time() + self._purge_interval
        while True:
            try:
                first = await asyncio.wait_for(self._queue.get(), max(0.0, next_purge - loop.time()))
            except TimeoutError:
                await self._purge()
                next_purge = loop.time() + self._purge_interval
                continue
            batch = [first]
            while len(batch) < BATCH_SIZE and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            events = [item for item in batch if isinstance(item, Event)]
            if events:
                await self._attempt(self.store.record(events), len(events))
            for _ in batch:
                self._queue.task_done()
            if any(item is _STOP for item in batch):
                return

    async def _purge(self) -> None:
        """Delete rows past each server's retention."""
        await self._attempt(self.store.purge_expired(await self._retention_days(), self._clock()), 0)

    async def _attempt(self, operation: Awaitable[object], events: int) -> None:
        """Await one database operation; on failure drop its events and log once per outage."""
        try:
            await operation
        except (sqlite3.Error, OSError) as exc:
            self.dropped += events
            if not self._failing:
                self._failing = True
                log.warning("insights unavailable: %s; answers are not affected, counts are dropped", describe(exc))
            return
        self.written += events
        if self._failing:
            self._failing = False
            log.info("insights available again (%d events dropped so far)", self.dropped)
