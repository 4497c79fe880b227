"""The writer never blocks a reply, and a failing database only costs the counts."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.insights.recorder import Recorder, describe
from bot.insights.store import InsightsStore
from tests.insights.conftest import SECRET, TODAY, event


async def thirty() -> int:
    """A bot-wide retention of 30 days."""
    return 30


@pytest.fixture
async def recorders() -> AsyncIterator[list[Recorder]]:
    """Recorders made by a test, closed (with their stores) even when the test fails.

    aiosqlite runs each connection on a non-daemon thread, so an unclosed one would hang the test run.
    """
    made: list[Recorder] = []
    yield made
    for recorder in made:
        await recorder.close()


def recorder_for(store: InsightsStore, made: list[Recorder], **kw: object) -> Recorder:
    """A started recorder with a fixed clock, closed at teardown."""
    recorder = Recorder(store, thirty, clock=lambda: TODAY, **kw)  # type: ignore[arg-type]
    made.append(recorder)
    recorder.start()
    return recorder


async def test_events_are_written_in_the_background(store: InsightsStore, recorders: list[Recorder]) -> None:
    recorder = recorder_for(store, recorders)
    assert all(recorder.submit(event()) for _ in range(450))
    await recorder.flush()
    assert (await store.stats("k1", 1, TODAY)).total == 450
    assert recorder.available and recorder.written == 450 and recorder.dropped == 0
    await recorder.close()


async def test_submit_never_waits_and_drops_when_the_queue_is_full(
    store: InsightsStore, db_path: Path, caplog: pytest.LogCaptureFixture, recorders: list[Recorder]
) -> None:
    recorder = recorder_for(store, recorders, queue_size=5)
    results = [recorder.submit(event()) for _ in range(8)]  # no await: the writer cannot run in between
    assert results == [True] * 5 + [False] * 3
    assert recorder.dropped == 3
    assert caplog.text.count("queue full") == 1
    await recorder.close()
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT SUM(count) FROM counters").fetchone() == (5,)


async def test_a_locked_database_degrades_once_and_recovers(
    db_path: Path, caplog: pytest.LogCaptureFixture, recorders: list[Recorder]
) -> None:
    store = await InsightsStore.open(db_path, secret=SECRET, busy_timeout_ms=20)
    recorder = recorder_for(store, recorders)
    await recorder.flush()
    blocker = sqlite3.connect(db_path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    caplog.set_level(logging.INFO, logger="bot.insights")
    try:
        for n in range(3):
            recorder.submit(event(decision="none", text=f"secret question {n} <@123456789012345678>"))
            await recorder.flush()
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert not recorder.available
    assert recorder.dropped == 3
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert [r.getMessage() for r in warnings] == [
        "insights unavailable: OperationalError (SQLITE_BUSY); answers are not affected, counts are dropped"
    ]
    recorder.submit(event())
    await recorder.flush()
    assert recorder.available
    assert "insights available again" in caplog.text
    assert "secret question" not in caplog.text and "1234567890" not in caplog.text
    await recorder.close()


async def test_the_writer_purges_on_start_and_then_periodically(
    store: InsightsStore, recorders: list[Recorder]
) -> None:
    await store.record([event(day=TODAY - timedelta(days=45))])
    recorder = recorder_for(store, recorders, purge_interval=0.05)
    await eventually(store, 0)
    await store.record([event(day=TODAY - timedelta(days=31)), event(day=TODAY)])
    await eventually(store, 1)
    await recorder.close()


async def eventually(store: InsightsStore, total: int, timeout: float = 5.0) -> None:
    """Wait until the store holds ``total`` replies for k1 (the writer works in the background)."""
    async with asyncio.timeout(timeout):
        while (await store.stats("k1", 365, TODAY)).total != total:
            await asyncio.sleep(0.01)


async def test_close_writes_what_is_queued_then_closes_the_database(db_path: Path, recorders: list[Recorder]) -> None:
    store = await InsightsStore.open(db_path, secret=SECRET)
    recorder = recorder_for(store, recorders)
    for _ in range(10):
        recorder.submit(event())
    await recorder.close()
    assert not recorder.available
    assert recorder.submit(event()) is False
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT SUM(count) FROM counters").fetchone() == (10,)


async def test_an_unstarted_recorder_drops_instead_of_queueing(store: InsightsStore, recorders: list[Recorder]) -> None:
    recorder = Recorder(store, thirty)
    assert recorder.submit(event()) is False
    assert recorder.dropped == 1


def test_errors_are_described_without_their_message() -> None:
    error = sqlite3.OperationalError("no such table: something the user typed")
    error.sqlite_errorname = "SQLITE_ERROR"  # type: ignore[attr-defined]
    assert describe(error) == "OperationalError (SQLITE_ERROR)"
    assert describe(OSError(28, "No space left on device")) == "OSError (errno 28)"
    assert describe(ValueError("x")) == "ValueError"
