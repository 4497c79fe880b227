"""Helpers shared by the insights tests."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest

from bot.insights.store import Event, InsightsStore

TODAY = date(2026, 3, 15)
SECRET = b"test-secret-0123456789"


def event(key: str = "k1", day: date = TODAY, decision: str = "answer", entry: str = "e1", **kw: object) -> Event:
    """An event with sensible defaults."""
    return Event(key, day.isoformat(), decision, entry, kw.get("lang", "en"), kw.get("locale", "en"), kw.get("text"))  # type: ignore[arg-type]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Where the test database lives."""
    return tmp_path / "insights.sqlite3"


@pytest.fixture
async def store(db_path: Path) -> AsyncIterator[InsightsStore]:
    """An open, migrated store with a fixed secret."""
    opened = await InsightsStore.open(db_path, secret=SECRET)
    yield opened
    await opened.close()


async def join_stopped_sqlite_threads(timeout: float = 5.0) -> None:
    """Wait for aiosqlite worker threads to end.

    When ``aiosqlite.connect`` fails it stops its worker thread without waiting;
    the thread then reports back to the event loop, which must still be open.
    """
    for thread in threading.enumerate():
        if "_connection_worker_thread" in thread.name:
            await asyncio.to_thread(thread.join, timeout)
