"""The insights database: daily counters, opted-in unanswered questions, per-server settings.

One SQLite file (path from ``$INSIGHTS_DB``), opened through aiosqlite by
:meth:`InsightsStore.open`, which also creates and migrates the schema
(``schema_version`` plus the ordered :data:`MIGRATIONS`). What it never holds:
user ids or names, channel or message ids, raw guild ids (servers are keyed by
:func:`bot.insights.keys.guild_key`), times finer than a UTC day, the text of
answered questions, or any text from a server that did not opt in.

Privacy details of the layout:

* every table is ``WITHOUT ROWID`` and keyed by its content, so the file keeps
  no insertion order that could be lined up with Discord's message times;
* identical questions on the same day are one row with a count;
* ``secure_delete`` overwrites deleted rows with zeros, and every purge ends
  with a WAL checkpoint that truncates the write-ahead log, so purged text
  does not linger in the files.

All access goes through one connection guarded by an :class:`asyncio.Lock`;
the recorder's writer task and the moderator commands share it safely.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import aiosqlite

from bot.insights.keys import guild_key, load_secret

Decision = Literal["answer", "suggest", "none"]

KEYS_REMEMBERED = 1024
"""Server keys :meth:`InsightsStore.key` keeps in memory at most (one HMAC per server, not three per reply)."""

# aiosqlite logs every statement with its parameters at DEBUG, which would put
# kept questions and server keys in the operator's log; its own level keeps it quiet
# whatever LOG_LEVEL the bot runs at.
logging.getLogger("aiosqlite").setLevel(logging.INFO)

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 1: counters, opted-in unanswered text, per-server settings.
    (
        """CREATE TABLE counters (
            guild_key TEXT NOT NULL,
            day TEXT NOT NULL,
            decision TEXT NOT NULL CHECK (decision IN ('answer', 'suggest', 'none')),
            entry_id TEXT NOT NULL,
            lang TEXT NOT NULL,
            locale TEXT NOT NULL,
            count INTEGER NOT NULL CHECK (count > 0),
            PRIMARY KEY (guild_key, day, decision, entry_id, lang, locale)
        ) WITHOUT ROWID""",
        """CREATE TABLE unanswered (
            guild_key TEXT NOT NULL,
            day TEXT NOT NULL,
            text TEXT NOT NULL,
            count INTEGER NOT NULL CHECK (count > 0),
            PRIMARY KEY (guild_key, day, text)
        ) WITHOUT ROWID""",
        """CREATE TABLE guild_settings (
            guild_key TEXT PRIMARY KEY,
            record_unanswered INTEGER,
            retention_days INTEGER,
            default_public INTEGER,
            public_allowed INTEGER,
            referral TEXT
        ) WITHOUT ROWID""",
    ),
)
"""Schema changes in order; entry ``i`` moves the database from version ``i`` to ``i + 1``. Append only."""

SETTING_FIELDS: dict[str, type] = {
    "record_unanswered": bool,
    "retention_days": int,
    "default_public": bool,
    "public_allowed": bool,
    "referral": str,
}
"""Per-server settings kept in ``guild_settings``; a NULL column means "use the bot's default"."""

BUSY_TIMEOUT_MS = 1000
"""How long a write waits for a lock held by another process before giving up (and dropping its batch)."""


class SchemaError(RuntimeError):
    """The database was written by a newer faqbot (its schema version is unknown here)."""


def utc_today() -> date:
    """Today's date in UTC: the only time resolution the database keeps."""
    return datetime.now(UTC).date()


@dataclass(frozen=True, slots=True)
class Event:
    """One reply, reduced to what may be counted; ``text`` is set only when the server opted in."""

    guild_key: str
    day: str
    decision: Decision
    entry_id: str
    lang: str
    locale: str
    text: str | None = None


@dataclass(frozen=True, slots=True)
class Stats:
    """Aggregated counters over a window of days (one server, or all of them)."""

    since: date
    until: date
    decisions: dict[str, int]
    top_answers: list[tuple[str, int]]
    top_suggestions: list[tuple[str, int]]
    top_not_covered: list[tuple[str, int]]
    per_day: list[tuple[str, int, int]]
    locales: list[tuple[str, int]]
    servers: int

    @property
    def total(self) -> int:
        """How many replies the window holds."""
        return sum(self.decisions.values())


async def migrate(conn: aiosqlite.Connection, migrations: Sequence[Sequence[str]] = MIGRATIONS) -> int:
    """Bring the schema up to ``len(migrations)`` in one transaction; return the version reached.

    Raises :class:`SchemaError` if the file is newer than this code knows.
    """
    await conn.execute("BEGIN IMMEDIATE")
    try:
        await conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        rows = list(await conn.execute_fetchall("SELECT version FROM schema_version"))
        if not rows:
            await conn.execute("INSERT INTO schema_version (version) VALUES (0)")
        current = rows[0][0] if rows else 0
        if current > len(migrations):
            raise SchemaError(f"insights database schema version {current} is newer than {len(migrations)}")
        for version in range(current, len(migrations)):
            for statement in migrations[version]:
                await conn.execute(statement)
            await conn.execute("UPDATE schema_version SET version = ?", (version + 1,))
        await conn.execute("COMMIT")
    except BaseException:
        await conn.execute("ROLLBACK")
        raise
    return len(migrations)


def _since(until: date, days: int) -> date:
    """The first day of a window of ``days`` days ending on ``until`` (inclusive)."""
    return until - timedelta(days=max(days, 1) - 1)


class InsightsStore:
    """The open database plus the secret that turns guild ids into keys."""

    def __init__(self, conn: aiosqlite.Connection, secret: bytes) -> None:
        """Wrap an open, migrated connection (use :meth:`open`)."""
        self._conn = conn
        self._secret = secret
        self._lock = asyncio.Lock()
        self._keys: dict[int | None, str] = {}

    @classmethod
    async def open(
        cls,
        path: str | Path,
        *,
        secret: bytes | None = None,
        migrations: Sequence[Sequence[str]] = MIGRATIONS,
        busy_timeout_ms: int = BUSY_TIMEOUT_MS,
    ) -> InsightsStore:
        """Open (creating if needed) and migrate the database at ``path``.

        Raises :class:`sqlite3.Error`, :class:`OSError`, :class:`ValueError` or
        :class:`SchemaError`; the caller decides to run without insights.
        """
        key = secret if secret is not None else load_secret(path)
        conn = await aiosqlite.connect(str(path), isolation_level=None)
        try:
            await conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            await conn.execute("PRAGMA secure_delete = ON")
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA synchronous = NORMAL")
            await migrate(conn, migrations)
        except BaseException:
            await conn.close()
            raise
        return cls(conn, key)

    def key(self, guild_id: int | None) -> str:
        """The stored key for a guild id (``None`` for direct messages).

        Every reply needs its server's key up to three times (settings for the
        reply, settings and key for counting), so each key is computed once and
        remembered, in memory only, for the :data:`KEYS_REMEMBERED` most
        recently added servers.
        """
        key = self._keys.get(guild_id)
        if key is None:
            if len(self._keys) >= KEYS_REMEMBERED:
                del self._keys[next(iter(self._keys))]
            key = self._keys[guild_id] = guild_key(self._secret, guild_id)
        return key

    async def close(self) -> None:
        """Close the connection (pending writes are the recorder's business)."""
        async with self._lock:
            await self._conn.close()

    async def _write(self, statements: Sequence[tuple[str, Sequence[Sequence[Any]]]]) -> int:
        """Run each ``(sql, rows of parameters)`` in one immediate transaction; return how many rows changed."""
        async with self._lock:
            before = self._conn.total_changes
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                for sql, rows in statements:
                    await self._conn.executemany(sql, rows)
                await self._conn.execute("COMMIT")
            except BaseException:
                if self._conn.in_transaction:
                    await self._conn.execute("ROLLBACK")
                raise
            return self._conn.total_changes - before

    async def _read(self, sql: str, params: Mapping[str, Any] | Sequence[Any] = ()) -> list[sqlite3.Row]:
        """Fetch every row of one query."""
        async with self._lock:
            return list(await self._conn.execute_fetchall(sql, params))

    async def _checkpoint(self) -> None:
        """Copy the write-ahead log into the database and truncate it, so deleted text leaves the -wal file."""
        async with self._lock:
            await self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    async def record(self, events: Sequence[Event]) -> None:
        """Add a batch of events to the counters (and opted-in texts) in one transaction."""
        counts = Counter((e.guild_key, e.day, e.decision, e.entry_id, e.lang, e.locale) for e in events)
        texts = Counter((e.guild_key, e.day, e.text) for e in events if e.text)
        await self._write(
            [
                (
                    "INSERT INTO counters (guild_key, day, decision, entry_id, lang, locale, count)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (guild_key, day, decision, entry_id, lang, locale)"
                    " DO UPDATE SET count = count + excluded.count",
                    [(*k, n) for k, n in counts.items()],
                ),
                (
                    "INSERT INTO unanswered (guild_key, day, text, count) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT (guild_key, day, text) DO UPDATE SET count = count + excluded.count",
                    [(*k, n) for k, n in texts.items()],
                ),
            ]
        )

    async def overrides(self) -> dict[str, dict[str, Any]]:
        """Every server's changed settings: ``{key: {field: value}}``, leaving out fields never set."""
        columns = ", ".join(SETTING_FIELDS)
        rows = await self._read(f"SELECT guild_key, {columns} FROM guild_settings")
        result: dict[str, dict[str, Any]] = {}
        for row in rows:
            values = {
                name: kind(value)
                for (name, kind), value in zip(SETTING_FIELDS.items(), row[1:], strict=True)
                if value is not None
            }
            if values:
                result[row[0]] = values
        return result

    async def save_settings(self, key: str, changes: Mapping[str, Any]) -> None:
        """Set some of a server's settings; a value of ``None`` returns that field to the default.

        Turning ``record_unanswered`` off also deletes the texts already kept for that server.
        """
        unknown = set(changes) - set(SETTING_FIELDS)
        if unknown:
            raise ValueError(f"unknown settings: {sorted(unknown)}")
        if not changes:
            return
        names = list(changes)
        values = [None if changes[n] is None else SETTING_FIELDS[n](changes[n]) for n in names]
        statements: list[tuple[str, Sequence[Sequence[Any]]]] = [
            ("INSERT INTO guild_settings (guild_key) VALUES (?) ON CONFLICT (guild_key) DO NOTHING", [(key,)]),
            (f"UPDATE guild_settings SET {', '.join(f'{n} = ?' for n in names)} WHERE guild_key = ?", [(*values, key)]),
            (
                "DELETE FROM guild_settings WHERE guild_key = ? AND record_unanswered IS NULL"
                " AND retention_days IS NULL AND default_public IS NULL AND public_allowed IS NULL"
                " AND referral IS NULL",
                [(key,)],
            ),
        ]
        if changes.get("record_unanswered") is False:
            statements.append(("DELETE FROM unanswered WHERE guild_key = ?", [(key,)]))
        await self._write(statements)
        await self._checkpoint()

    async def purge_expired(self, default_retention_days: int, today: date | None = None) -> int:
        """Delete counters and texts older than each server's retention; return how many rows went."""
        day = (today or utc_today()).isoformat()
        statements = [
            (
                f"DELETE FROM {table} WHERE julianday(?) - julianday(day) >= COALESCE("
                f"(SELECT s.retention_days FROM guild_settings s WHERE s.guild_key = {table}.guild_key), ?)",
                [(day, int(default_retention_days))],
            )
            for table in ("counters", "unanswered")
        ]
        removed = await self._write(statements)
        if removed:
            await self._checkpoint()
        return removed

    async def purge_server(self, key: str) -> int:
        """Delete every counter and text kept for one server (its settings stay); return rows removed."""
        removed = await self._write(
            [
                ("DELETE FROM counters WHERE guild_key = ?", [(key,)]),
                ("DELETE FROM unanswered WHERE guild_key = ?", [(key,)]),
            ]
        )
        await self._checkpoint()
        return removed

    async def stats(self, key: str | None, days: int, today: date | None = None, top: int = 10) -> Stats:
        """Counters for one server (``key``) or all servers (``None``) over the last ``days`` days."""
        until = today or utc_today()
        since = _since(until, days)
        where = "day >= :since AND day <= :until AND (:key IS NULL OR guild_key = :key)"
        params = {"since": since.isoformat(), "until": until.isoformat(), "key": key, "top": top}
        decisions = await self._read(
            f"SELECT decision, SUM(count) FROM counters WHERE {where} GROUP BY decision", params
        )
        entries = (
            f"SELECT entry_id, SUM(count) AS n FROM counters WHERE {where} AND decision = :decision"
            " AND entry_id != '' GROUP BY entry_id ORDER BY n DESC, entry_id LIMIT :top"
        )
        answers = await self._read(entries, {**params, "decision": "answer"})
        suggestions = await self._read(entries, {**params, "decision": "suggest"})
        not_covered = await self._read(entries, {**params, "decision": "none"})
        per_day = await self._read(
            "SELECT day, SUM(CASE WHEN decision = 'answer' THEN count ELSE 0 END), SUM(count)"
            f" FROM counters WHERE {where} GROUP BY day ORDER BY day",
            params,
        )
        locales = await self._read(
            f"SELECT locale, SUM(count) AS n FROM counters WHERE {where} GROUP BY locale ORDER BY n DESC, locale",
            params,
        )
        servers = await self._read(f"SELECT COUNT(DISTINCT guild_key) FROM counters WHERE {where}", params)
        return Stats(
            since=since,
            until=until,
            decisions={d: int(n) for d, n in decisions},
            top_answers=[(e, int(n)) for e, n in answers],
            top_suggestions=[(e, int(n)) for e, n in suggestions],
            top_not_covered=[(e, int(n)) for e, n in not_covered],
            per_day=[(d, int(a), int(n)) for d, a, n in per_day],
            locales=[(loc, int(n)) for loc, n in locales],
            servers=int(servers[0][0]) if servers else 0,
        )

    async def unanswered(
        self, key: str | None, days: int, today: date | None = None, limit: int = 5000
    ) -> list[tuple[str, int]]:
        """Kept unanswered texts with how often each was asked, most frequent first."""
        until = today or utc_today()
        rows = await self._read(
            "SELECT text, SUM(count) AS n FROM unanswered"
            " WHERE day >= :since AND day <= :until AND (:key IS NULL OR guild_key = :key)"
            " GROUP BY text ORDER BY n DESC, text LIMIT :limit",
            {"since": _since(until, days).isoformat(), "until": until.isoformat(), "key": key, "limit": limit},
        )
        return [(text, int(n)) for text, n in rows]
