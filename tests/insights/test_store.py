"""The database: schema and migrations, counters, texts, settings, stats and purges."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import aiosqlite
import pytest

from bot.insights import store as store_module
from bot.insights.keys import DM_KEY, guild_key
from bot.insights.store import KEYS_REMEMBERED, MIGRATIONS, InsightsStore, SchemaError, migrate
from tests.insights.conftest import SECRET, TODAY, event


def tables(path: Path) -> dict[str, list[str]]:
    """Every table with its columns, read with the standard library."""
    with sqlite3.connect(path) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {n: [c[1] for c in conn.execute(f"PRAGMA table_info({n})")] for n in names}


async def test_fresh_database_gets_the_whole_schema(store: InsightsStore, db_path: Path) -> None:
    schema = tables(db_path)
    assert schema == {
        "counters": ["guild_key", "day", "decision", "entry_id", "lang", "locale", "count"],
        "guild_settings": [
            "guild_key",
            "record_unanswered",
            "retention_days",
            "default_public",
            "public_allowed",
            "referral",
        ],
        "schema_version": ["version"],
        "unanswered": ["guild_key", "day", "text", "count"],
    }
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(len(MIGRATIONS),)]
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)


async def test_reopening_keeps_data_and_runs_no_migration_twice(db_path: Path) -> None:
    first = await InsightsStore.open(db_path, secret=SECRET)
    await first.record([event()])
    await first.close()
    again = await InsightsStore.open(db_path, secret=SECRET)
    stats = await again.stats("k1", 1, TODAY)
    await again.close()
    assert stats.decisions == {"answer": 1}


async def test_migrations_run_in_order_from_the_stored_version(db_path: Path) -> None:
    one = await InsightsStore.open(db_path, secret=SECRET, migrations=MIGRATIONS[:1])
    await one.record([event()])
    await one.close()
    extra = (*MIGRATIONS, ("ALTER TABLE counters ADD COLUMN note TEXT",), ("CREATE TABLE later (x INTEGER)",))
    upgraded = await InsightsStore.open(db_path, secret=SECRET, migrations=extra)
    await upgraded.close()
    schema = tables(db_path)
    assert "note" in schema["counters"] and "later" in schema
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT version FROM schema_version").fetchone() == (len(extra),)
        assert conn.execute("SELECT count FROM counters").fetchone() == (1,)


async def test_a_failing_migration_changes_nothing(db_path: Path) -> None:
    await (await InsightsStore.open(db_path, secret=SECRET)).close()
    broken = (*MIGRATIONS, ("CREATE TABLE half (x INTEGER)", "THIS IS NOT SQL"))
    with pytest.raises(sqlite3.OperationalError):
        await InsightsStore.open(db_path, secret=SECRET, migrations=broken)
    assert "half" not in tables(db_path)


async def test_a_newer_database_is_refused(db_path: Path) -> None:
    async with aiosqlite.connect(db_path, isolation_level=None) as conn:
        await migrate(conn, (*MIGRATIONS, ("CREATE TABLE future (x INTEGER)",)))
    with pytest.raises(SchemaError):
        await InsightsStore.open(db_path, secret=SECRET)


async def test_events_are_counted_per_day_entry_decision_and_locale(store: InsightsStore) -> None:
    yesterday = TODAY - timedelta(days=1)
    await store.record([event(), event(), event(entry="e2"), event(decision="suggest", entry="e3")])
    await store.record([event(), event(decision="none", entry="", locale="es"), event(day=yesterday, decision="none")])
    await store.record([event(key="other", entry="e9")])
    stats = await store.stats("k1", 7, TODAY)
    assert stats.decisions == {"answer": 4, "suggest": 1, "none": 2}
    assert stats.top_answers == [("e1", 3), ("e2", 1)]
    assert stats.top_suggestions == [("e3", 1)]
    assert stats.top_not_covered == [("e1", 1)]  # a decline counted under a not-covered subject; "" is not listed
    assert stats.per_day == [(yesterday.isoformat(), 0, 1), (TODAY.isoformat(), 4, 6)]
    assert stats.locales == [("en", 6), ("es", 1)]
    assert stats.servers == 1 and stats.total == 7
    everything = await store.stats(None, 7, TODAY)
    assert everything.servers == 2 and everything.total == 8


async def test_stats_window_counts_whole_days(store: InsightsStore) -> None:
    await store.record([event(day=TODAY - timedelta(days=n)) for n in range(10)])
    assert (await store.stats("k1", 1, TODAY)).total == 1
    assert (await store.stats("k1", 7, TODAY)).total == 7
    assert (await store.stats("k1", 0, TODAY)).total == 1


async def test_identical_texts_on_a_day_are_one_row_with_a_count(store: InsightsStore, db_path: Path) -> None:
    texts = ["what is the 48 hour rule", "what is the 48 hour rule", "bond hearing"]
    await store.record([event(decision="none", entry="", text=t) for t in texts])
    assert await store.unanswered("k1", 30, TODAY) == [("what is the 48 hour rule", 2), ("bond hearing", 1)]
    assert await store.unanswered("other", 30, TODAY) == []
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM unanswered").fetchone() == (2,)


async def test_tables_keep_no_insertion_order(db_path: Path, store: InsightsStore) -> None:
    with sqlite3.connect(db_path) as conn:
        for table in ("counters", "unanswered", "guild_settings"):
            with pytest.raises(sqlite3.OperationalError, match="rowid"):
                conn.execute(f"SELECT rowid FROM {table}")


async def test_settings_overrides_round_trip_and_reset(store: InsightsStore) -> None:
    assert await store.overrides() == {}
    await store.save_settings("k1", {"record_unanswered": True, "retention_days": 7})
    await store.save_settings("k1", {"referral": "Call the hotline"})
    assert await store.overrides() == {
        "k1": {"record_unanswered": True, "retention_days": 7, "referral": "Call the hotline"}
    }
    await store.save_settings("k1", {"record_unanswered": None, "retention_days": None, "referral": None})
    assert await store.overrides() == {}
    with pytest.raises(ValueError, match="unknown"):
        await store.save_settings("k1", {"user_id": 1})


async def test_turning_recording_off_deletes_the_kept_texts(store: InsightsStore) -> None:
    await store.save_settings("k1", {"record_unanswered": True})
    await store.record([event(decision="none", entry="", text="bond hearing"), event(key="k2", text="kept")])
    await store.save_settings("k1", {"record_unanswered": False})
    assert await store.unanswered("k1", 30, TODAY) == []
    assert await store.unanswered("k2", 30, TODAY) == [("kept", 1)]
    assert (await store.stats("k1", 30, TODAY)).total == 1


async def test_expired_rows_go_by_each_servers_retention(store: InsightsStore) -> None:
    await store.save_settings("short", {"retention_days": 3})
    for key in ("short", "default"):
        await store.record(
            [event(key=key, day=TODAY - timedelta(days=n), decision="none", text=f"q{n}") for n in range(40)]
        )
    removed = await store.purge_expired(30, TODAY)
    assert removed == 2 * (37 + 10)
    short = await store.stats("short", 365, TODAY)
    assert [d for d, _, _ in short.per_day] == [(TODAY - timedelta(days=n)).isoformat() for n in (2, 1, 0)]
    assert len(await store.unanswered("default", 365, TODAY)) == 30
    assert await store.purge_expired(30, TODAY) == 0


async def test_purging_a_server_removes_its_rows_only(store: InsightsStore) -> None:
    await store.save_settings("k1", {"record_unanswered": True})
    await store.record([event(), event(decision="none", text="x"), event(key="k2")])
    assert await store.purge_server("k1") == 3  # two counter rows and one text
    assert (await store.stats("k1", 30, TODAY)).total == 0
    assert (await store.stats("k2", 30, TODAY)).total == 1
    assert await store.overrides() == {"k1": {"record_unanswered": True}}


async def test_server_keys_are_computed_once_and_remembered_for_a_bounded_number_of_servers(
    store: InsightsStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    computed: list[int | None] = []

    def counting(secret: bytes, guild_id: int | None) -> str:
        """The real keyed hash, noting each computation."""
        computed.append(guild_id)
        return guild_key(secret, guild_id)

    monkeypatch.setattr(store_module, "guild_key", counting)
    first = 100_000_000_000_000_000
    assert [store.key(first), store.key(first), store.key(None)] == [
        guild_key(SECRET, first),
        guild_key(SECRET, first),
        DM_KEY,
    ]
    assert computed == [first, None]
    for guild_id in range(first + 1, first + KEYS_REMEMBERED + 1):
        store.key(guild_id)
    computed.clear()
    assert store.key(first) == guild_key(SECRET, first)
    assert computed == [first], "the oldest server was forgotten once the limit was reached"
