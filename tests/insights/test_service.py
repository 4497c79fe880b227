"""Insights as the bot holds them: settings over the defaults, observing replies, degrading when the DB fails."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import aiosqlite
import discord
import pytest

from bot.engine import Engine
from bot.guild_settings import GuildSettings
from bot.insights.service import Insights, InsightsUnavailable, event_for, locale_language
from bot.insights.settings import SettingsError, SqliteSettingsStore
from bot.insights.store import MIGRATIONS, migrate
from tests.conftest import FAQBuilder
from tests.insights.conftest import SECRET, TODAY, event, join_stopped_sqlite_threads
from tests.test_not_covered import HOME_ENTRY, with_subjects

GUILD = 222233334444555566
OTHER = 777788889999000011
DEFAULTS = GuildSettings(default_public=False, public_allowed=True, referral=None)


class Defaults:
    """The bot-wide settings store (as built from the environment)."""

    def __init__(self, value: GuildSettings = DEFAULTS) -> None:
        self.value = value

    async def get(self, guild_id: int | None) -> GuildSettings:
        return self.value


@pytest.fixture
async def insights(db_path: Path) -> AsyncIterator[Insights]:
    """Insights over a fresh database, closed at teardown."""
    started = await Insights.start(db_path, Defaults(), secret=SECRET, clock=lambda: TODAY)
    yield started
    await started.close()


async def test_servers_that_changed_nothing_get_the_defaults(insights: Insights) -> None:
    assert await insights.settings.get(GUILD) == DEFAULTS
    assert await insights.settings.get(None) == DEFAULTS
    assert insights.changed(GUILD) == frozenset()


async def test_settings_persist_per_server_and_reset_to_the_defaults(db_path: Path, insights: Insights) -> None:
    changed = await insights.update_settings(GUILD, {"record_unanswered": True, "referral": "  Call 211  "})
    assert changed == GuildSettings(False, True, "Call 211", record_unanswered=True)
    assert await insights.settings.get(OTHER) == DEFAULTS
    await insights.close()
    reopened = await Insights.start(db_path, Defaults(), secret=SECRET)
    try:
        assert (await reopened.settings.get(GUILD)).referral == "Call 211"
        assert reopened.changed(GUILD) == {"record_unanswered", "referral"}
        reset = await reopened.update_settings(GUILD, {"referral": "default", "record_unanswered": None})
        assert reset == DEFAULTS and reopened.changed(GUILD) == frozenset()
    finally:
        await reopened.close()


async def test_a_changed_default_still_reaches_servers_that_did_not_override_it(db_path: Path) -> None:
    defaults = Defaults()
    started = await Insights.start(db_path, defaults, secret=SECRET)
    try:
        await started.update_settings(GUILD, {"retention_days": 7})
        defaults.value = GuildSettings(default_public=True, public_allowed=True, referral="env referral")
        assert await started.settings.get(GUILD) == GuildSettings(True, True, "env referral", retention_days=7)
    finally:
        await started.close()


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"retention_days": 0}, "between 1 and 365"),
        ({"retention_days": 400}, "between 1 and 365"),
        ({"referral": "x" * 1001}, "limit is 1000"),
        ({"public_allowed": False, "default_public": True}, "cannot be public by default"),
        ({"user_id": 1}, "unknown setting"),
    ],
)
async def test_refused_settings_change_nothing(insights: Insights, changes: dict, problem: str) -> None:
    with pytest.raises(SettingsError, match=problem):
        await insights.update_settings(GUILD, changes)
    assert await insights.settings.get(GUILD) == DEFAULTS


async def test_a_shorter_retention_applies_at_once(insights: Insights) -> None:
    assert insights.store is not None
    key = insights.store.key(GUILD)
    await insights.store.record([event(key=key, day=TODAY - timedelta(days=n)) for n in range(20)])
    await insights.update_settings(GUILD, {"retention_days": 5})
    assert (await insights.stats(GUILD, 365)).total == 5


def test_only_the_language_of_a_locale_is_kept() -> None:
    assert locale_language(discord.Locale.latin_american_spanish) == "es"
    assert locale_language("pt-BR") == "pt"
    assert locale_language(None) == ""
    assert locale_language("../../etc") == ""


def test_events_carry_text_only_for_unanswered_questions_of_servers_that_opted_in(small_engine: Engine) -> None:
    missed = small_engine.ask("my name is Ana Ruiz, call 555-123-4567 about the weather")
    answered = small_engine.ask("ice hold")
    suggested = small_engine.ask("claim")
    assert (missed.status, answered.status, suggested.status) == ("none", "answer", "suggest")
    assert event_for(missed, "k", TODAY, "en-US", record_text=False).text is None
    kept = event_for(missed, "k", TODAY, "en-US", record_text=True)
    assert kept.text == "my name is [name], call [phone] about the weather"
    assert (kept.decision, kept.entry_id, kept.locale, kept.day) == ("none", "", "en", TODAY.isoformat())
    assert event_for(answered, "k", TODAY, None, record_text=True).text is None
    assert event_for(answered, "k", TODAY, None, record_text=True).entry_id == "detainer-is-request"
    assert event_for(suggested, "k", TODAY, None, record_text=True).entry_id == suggested.suggestions[0].id


async def test_observe_counts_replies_and_keeps_opted_in_gaps(insights: Insights, small_engine: Engine) -> None:
    await insights.update_settings(GUILD, {"record_unanswered": True})
    for guild in (GUILD, OTHER, None):
        for question in ("ice hold", "what is the 48 hour rule", "48 hour rule?", "claim"):
            assert await insights.observe(guild, small_engine.ask(question), discord.Locale.american_english)
    assert insights.recorder is not None
    await insights.recorder.flush()
    stats = await insights.stats(GUILD, 7)
    assert stats.decisions == {"answer": 1, "suggest": 1, "none": 2}
    gaps = await insights.gaps(GUILD, 7, small_engine.matcher.normalize)
    assert [(g.text, g.count, g.variants) for g in gaps] == [("48 hour rule?", 2, (("what is the 48 hour rule", 1),))]
    assert await insights.gaps(OTHER, 7) == []
    assert await insights.gaps(None, 7) == []


async def test_direct_messages_never_keep_text_even_if_the_default_says_so(db_path: Path, small_engine: Engine) -> None:
    opted = GuildSettings(default_public=False, public_allowed=True, referral=None, record_unanswered=True)
    insights = await Insights.start(db_path, Defaults(opted), secret=SECRET, clock=lambda: TODAY)
    try:
        await insights.observe(None, small_engine.ask("what is the 48 hour rule"), None)
        await insights.observe(GUILD, small_engine.ask("what is the 48 hour rule"), None)
        assert insights.recorder is not None
        await insights.recorder.flush()
        assert await insights.gaps(None, 7) == []
        assert [g.count for g in await insights.gaps(GUILD, 7)] == [1]
    finally:
        await insights.close()


async def test_purge_deletes_one_servers_counts_and_texts(insights: Insights, small_engine: Engine) -> None:
    await insights.update_settings(GUILD, {"record_unanswered": True})
    for guild in (GUILD, OTHER):
        await insights.observe(guild, small_engine.ask("what is the 48 hour rule"), None)
    assert insights.recorder is not None
    await insights.recorder.flush()
    assert await insights.purge(GUILD) == 2
    assert (await insights.stats(GUILD, 30)).total == 0
    assert (await insights.stats(OTHER, 30)).total == 1


async def test_an_unopenable_database_disables_insights_without_stopping(
    tmp_path: Path, small_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the database folder should be")
    defaults = Defaults()
    insights = await Insights.start(blocker / "insights.sqlite3", defaults, secret=SECRET)
    assert not insights.enabled and not insights.available
    assert insights.settings is defaults
    assert await insights.observe(GUILD, small_engine.ask("weather <@123456789012345678>"), None) is False
    with pytest.raises(InsightsUnavailable):
        await insights.stats(GUILD, 7)
    with pytest.raises(InsightsUnavailable):
        await insights.update_settings(GUILD, {"record_unanswered": True})
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == [
        "insights unavailable: OperationalError (SQLITE_CANTOPEN); the bot answers without them"
    ]
    await insights.close()
    await join_stopped_sqlite_threads()


async def test_a_database_from_a_newer_faqbot_is_left_alone(db_path: Path) -> None:
    async with aiosqlite.connect(db_path, isolation_level=None) as conn:
        await migrate(conn, (*MIGRATIONS, ("CREATE TABLE future (x INTEGER)",)))
    insights = await Insights.start(db_path, Defaults(), secret=SECRET)
    assert not insights.enabled
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT version FROM schema_version").fetchone() == (len(MIGRATIONS) + 1,)


async def test_the_sqlite_store_answers_from_memory(insights: Insights, db_path: Path) -> None:
    assert isinstance(insights.settings, SqliteSettingsStore)
    await insights.update_settings(GUILD, {"default_public": True})
    blocker = sqlite3.connect(db_path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        assert (await insights.settings.get(GUILD)).default_public is True
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()


def test_a_decline_on_a_not_covered_subject_is_counted_under_the_subject(make_faq: FAQBuilder) -> None:
    engine = Engine.load(with_subjects(make_faq(), {"home-entry": HOME_ENTRY}))
    declined = engine.ask("do i have to open the door for ice")
    event = event_for(declined, "k", TODAY, "en-US", record_text=False)
    assert (event.decision, event.entry_id, event.text) == ("none", "home-entry", None)
