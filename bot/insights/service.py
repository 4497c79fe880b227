"""The one object the bot holds for insights: store, recorder and settings together.

:meth:`Insights.start` opens the database; if that fails (missing folder,
read-only disk, a database from a newer faqbot, an unreadable key file) it
logs one warning without user data and returns a disabled instance: replies
then use the bot-wide settings and nothing is recorded, but the bot answers
as usual. :meth:`Insights.observe` is what the ``faq_answer`` listener calls:
it reduces an answer to an :class:`~bot.insights.store.Event` (scrubbing the
question only when the server opted in) and queues it without waiting.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.answer import Answer
from bot.insights.gaps import Gap, cluster
from bot.insights.recorder import PURGE_INTERVAL, QUEUE_SIZE, Recorder, describe
from bot.insights.scrub import scrub
from bot.insights.settings import SqliteSettingsStore
from bot.insights.store import BUSY_TIMEOUT_MS, Event, InsightsStore, SchemaError, Stats, utc_today
from bot.text import simplify

if TYPE_CHECKING:
    from bot.guild_settings import GuildSettings, SettingsStore

log = logging.getLogger(__name__)

_LANGUAGE = re.compile(r"[a-z]{2,3}")


class InsightsUnavailable(RuntimeError):
    """Insights are turned off or the database could not be opened."""


def locale_language(locale: object) -> str:
    """The language part of a Discord locale (``es-419`` -> ``es``); ``""`` when absent or odd.

    Only the language is kept: a regional variant in a small server says more
    about a person than moderators need.
    """
    value = str(getattr(locale, "value", locale) or "")
    language = value.split("-")[0].lower()
    return language if _LANGUAGE.fullmatch(language) else ""


def event_for(answer: Answer, key: str, day: date, locale: object, record_text: bool) -> Event:
    """Reduce a reply to what may be stored: decision, entry, languages and (opt-in, scrubbed) the missed question.

    For a decline, the "entry" is the not-covered subject that explains it, if one does.
    """
    if answer.status == "answer":
        entry = answer.entry_id or ""
    elif answer.status == "suggest" and answer.suggestions:
        entry = answer.suggestions[0].id
    else:
        entry = answer.not_covered_id or ""
    text = scrub(answer.question) if record_text and answer.status == "none" else None
    return Event(key, day.isoformat(), answer.status, entry, answer.lang, locale_language(locale), text or None)


class Insights:
    """Insights for the whole bot; :attr:`settings` is what the bot asks before each reply."""

    def __init__(
        self,
        store: InsightsStore | None,
        recorder: Recorder | None,
        settings: SettingsStore,
        defaults: SettingsStore,
        clock: Callable[[], date] = utc_today,
    ) -> None:
        """Use :meth:`start` (or :meth:`disabled`)."""
        self.store = store
        self.recorder = recorder
        self.settings = settings
        self.defaults = defaults
        self._clock = clock

    @classmethod
    def disabled(cls, defaults: SettingsStore) -> Insights:
        """Insights off: bot-wide settings, nothing recorded."""
        return cls(None, None, defaults, defaults)

    @classmethod
    async def start(
        cls,
        path: str | Path,
        defaults: SettingsStore,
        *,
        secret: bytes | None = None,
        clock: Callable[[], date] = utc_today,
        queue_size: int = QUEUE_SIZE,
        busy_timeout_ms: int = BUSY_TIMEOUT_MS,
        purge_interval: float = PURGE_INTERVAL,
    ) -> Insights:
        """Open the database at ``path``, load the settings and start the writer; degrade if it cannot."""
        try:
            store = await InsightsStore.open(path, secret=secret, busy_timeout_ms=busy_timeout_ms)
        except (sqlite3.Error, OSError, ValueError, SchemaError) as exc:
            log.warning("insights unavailable: %s; the bot answers without them", describe(exc))
            return cls.disabled(defaults)
        try:
            settings = await SqliteSettingsStore.load(store, defaults)
        except (sqlite3.Error, OSError) as exc:
            log.warning("insights unavailable: %s; the bot answers without them", describe(exc))
            await store.close()
            return cls.disabled(defaults)
        insights = cls(store, None, settings, defaults, clock)
        insights.recorder = Recorder(
            store, insights.default_retention, queue_size=queue_size, purge_interval=purge_interval, clock=clock
        )
        insights.recorder.start()
        return insights

    @property
    def enabled(self) -> bool:
        """Whether a database is open (it may still be failing: see :attr:`available`)."""
        return self.store is not None

    @property
    def available(self) -> bool:
        """Whether insights are open and the last write succeeded."""
        return self.recorder is not None and self.recorder.available

    async def default_retention(self) -> int:
        """The bot-wide retention in days (for servers that did not choose their own)."""
        return (await self.defaults.get(None)).retention_days

    def _require(self) -> InsightsStore:
        """The open store, or :class:`InsightsUnavailable`."""
        if self.store is None:
            raise InsightsUnavailable("insights are not available")
        return self.store

    async def observe(self, guild_id: int | None, answer: Answer, locale: object) -> bool:
        """Queue one reply for counting (never waits for the database); ``False`` if it was not queued.

        Question text is kept only for a server (never a DM) whose settings say ``record_unanswered``.
        """
        if self.store is None or self.recorder is None:
            return False
        settings = await self.settings.get(guild_id)
        keep_text = settings.record_unanswered and guild_id is not None  # no server opted in for a DM
        event = event_for(answer, self.store.key(guild_id), self._clock(), locale, keep_text)
        return self.recorder.submit(event)

    async def stats(self, guild_id: int | None, days: int) -> Stats:
        """One server's counters over the last ``days`` days."""
        store = self._require()
        return await store.stats(store.key(guild_id), days, self._clock())

    async def gaps(self, guild_id: int | None, days: int, normalize: Callable[[str], str] = simplify) -> list[Gap]:
        """One server's kept unanswered questions, grouped."""
        store = self._require()
        return cluster(await store.unanswered(store.key(guild_id), days, self._clock()), normalize=normalize)

    def changed(self, guild_id: int | None) -> frozenset[str]:
        """The settings this server changed from the bot-wide defaults."""
        return self.settings.changed(guild_id) if isinstance(self.settings, SqliteSettingsStore) else frozenset()

    async def update_settings(self, guild_id: int | None, changes: Mapping[str, Any]) -> GuildSettings:
        """Change a server's settings, then apply a shorter retention at once."""
        if not isinstance(self.settings, SqliteSettingsStore):
            raise InsightsUnavailable("insights are not available")
        result = await self.settings.update(guild_id, changes)
        if "retention_days" in changes:
            await self._require().purge_expired(await self.default_retention(), self._clock())
        return result

    async def purge(self, guild_id: int | None) -> int:
        """Delete every counter and text kept for one server; return how many rows went."""
        store = self._require()
        return await store.purge_server(store.key(guild_id))

    async def close(self) -> None:
        """Write what is queued, stop the writer and close the database."""
        if self.recorder is not None:
            await self.recorder.close()
        elif self.store is not None:
            await self.store.close()
        self.store = None
        self.recorder = None
