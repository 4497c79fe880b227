"""Insights end to end: the real FAQBot against FakeDiscord, with the database on disk.

The privacy walk-through runs a whole session (answers, suggestions, misses
full of personal data, in a server that opted in, one that did not, and a
DM), then reads every byte of the SQLite files and looks for anything that
could identify a person or a server.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import re
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.client import FAQBot
from bot.cogs.insights import PURGE_ASK, PURGE_EXPIRED, PURGE_OTHER_SERVER, SERVER_ONLY
from bot.config import Settings
from bot.engine import Engine
from tests.conftest import FAQBuilder
from tests.fakediscord import FakeDiscord, FakeGuild
from tests.fakediscord.minimal import running_client

TIMEOUT = 10.0
TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.recognisable-e2e-token-0123456789"
OPTED_IN = 111122223333444455
OPTED_OUT = 666677778888999900
CHANNELS = (121212121212121212, 343434343434343434)
USERS = (565656565656565656, 787878787878787878)
MANAGE_GUILD = 1 << 5
EPHEMERAL = 64
GUILDS = [FakeGuild(id=OPTED_IN, channel_id=CHANNELS[0]), FakeGuild(id=OPTED_OUT, channel_id=CHANNELS[1])]
pytestmark = pytest.mark.fakediscord(guilds=GUILDS)

PERSONAL = (
    "my name is Rosa Quintero, my A-number is A123456789, call me at 555-123-4567, "
    "<@123456789012345678> email rosa.q@example.com see https://example.org/my-case about the weather"
)
MARKED = "unique phrase about parking tickets from Bogota, marker"
MARKERS = {OPTED_IN: "alphaopted", OPTED_OUT: "bravonotopted", None: "charliedirect"}


def settings_for(folder: Path, db: Path, **extra: str) -> Settings:
    """Bot settings from an environment, as an operator would set them."""
    return Settings.from_env({"DISCORD_TOKEN": TOKEN, "FAQ_DIR": str(folder), "INSIGHTS_DB": str(db), **extra})


@pytest_asyncio.fixture
async def bot(fake_discord: FakeDiscord, make_faq: FAQBuilder, tmp_path: Path) -> AsyncIterator[FAQBot]:
    """A FAQBot with insights in ``tmp_path/insights.sqlite3``, connected to the fake, commands synced."""
    folder = make_faq()
    client = FAQBot(settings_for(folder, tmp_path / "insights.sqlite3"), Engine.load(folder), guild_ready_timeout=0.05)
    async with running_client(client, token=TOKEN, timeout=TIMEOUT):
        await client.tree.sync()
        yield client


async def ask(fake: FakeDiscord, question: str, guild: int | None, user: int = USERS[0]) -> dict[str, Any]:
    """Send /ask (in ``guild``, or a DM) and return the bot's callback."""
    where: dict[str, Any] = {"dm": True} if guild is None else {"guild_id": guild}
    payload = fake.slash_command("ask", {"question": question}, user_id=user, **where)
    return await fake.interact(payload, TIMEOUT)


async def faq(fake: FakeDiscord, sub: str, options: dict[str, Any] | None = None, **kwargs: Any) -> str:
    """Run ``/faq <sub>`` as a moderator (unless told otherwise) and return the text the member sees."""
    kwargs.setdefault("permissions", MANAGE_GUILD)
    if not kwargs.get("dm"):
        kwargs.setdefault("guild_id", OPTED_IN)
    payload = fake.slash_command("faq", options or {}, subcommand=sub, user_id=USERS[1], **kwargs)
    body = await fake.interact(payload, TIMEOUT)
    assert body["data"]["flags"] == EPHEMERAL
    if body["type"] != 5:
        return body["data"]["content"]
    path = f"/webhooks/{fake.application_id}/{payload['token']}"
    request = await fake.wait_for_request(lambda r: r.method == "POST" and r.path == path, TIMEOUT)
    assert request.json["flags"] == EPHEMERAL
    content = request.json["content"]
    assert len(content) <= 2000
    return content


def purge_button(fake: FakeDiscord) -> tuple[str, dict[str, Any]]:
    """The custom_id of the newest "Delete everything" button, and the message that carries it."""
    for message in reversed(list(fake.messages.values())):
        for row in message.get("components") or []:
            for component in row.get("components") or []:
                if str(component.get("custom_id", "")).startswith("faq:purge:"):
                    return component["custom_id"], message
    raise LookupError("no purge button was sent")


async def press(fake: FakeDiscord, custom_id: str, message: dict[str, Any], **kwargs: Any) -> str:
    """Press a purge button as a moderator of OPTED_IN (unless told otherwise); the text the member sees then."""
    kwargs.setdefault("permissions", MANAGE_GUILD)
    kwargs.setdefault("guild_id", OPTED_IN)
    click = fake.component(custom_id, message=message, user_id=USERS[1], **kwargs)
    body = await fake.interact(click, TIMEOUT)
    # It edits the private message in place, or answers privately.
    assert body["type"] == 7 or body["data"]["flags"] == EPHEMERAL, body
    return body["data"]["content"]


async def purge(fake: FakeDiscord) -> str:
    """Run ``/faq purge`` and press its button, as a moderator of OPTED_IN."""
    assert await faq(fake, "purge") == PURGE_ASK
    return await press(fake, *purge_button(fake))


async def settle(bot: FAQBot) -> None:
    """Let the faq_answer listeners run and the writer drain."""
    for _ in range(5):
        await asyncio.sleep(0)
    assert bot.insights is not None and bot.insights.recorder is not None
    await bot.insights.recorder.flush()


def stored_bytes(db: Path) -> bytes:
    """Every byte of the database and whatever journal, WAL or shared-memory file sits beside it."""
    return b"".join(p.read_bytes() for p in sorted(db.parent.glob(db.name + "*")) if not p.name.endswith(".key"))


async def test_moderator_commands_show_stats_gaps_and_settings(fake_discord: FakeDiscord, bot: FAQBot) -> None:
    assert "record_unanswered: false  (bot default)" in await faq(fake_discord, "settings")
    saved = await faq(fake_discord, "settings", {"record_unanswered": True, "retention_days": 14})
    assert saved.startswith("Saved.") and "record_unanswered: true  (this server)" in saved
    assert "retention_days: 14  (this server)" in saved
    for question in ("ice hold", "ice hold", "claim", "what is the 48 hour rule", "48 hour rule?"):
        await ask(fake_discord, question, OPTED_IN)
    await settle(bot)
    stats = await faq(fake_discord, "stats", {"days": 7})
    assert "5 replies" in stats and "answered 2 (40%), suggested 1 (20%), no match 2 (40%)" in stats
    assert "2  detainer-is-request - Is an ICE detainer an order" in stats
    gaps = await faq(fake_discord, "gaps")
    assert "2 in 1 group(s)" in gaps and "2x 48 hour rule? (+1 similar)" in gaps
    assert await faq(fake_discord, "purge") == PURGE_ASK
    assert "5 replies" in await faq(fake_discord, "stats"), "the command alone deletes nothing"
    assert (await press(fake_discord, *purge_button(fake_discord))).startswith("Deleted 5 stored row(s)")
    assert "0 replies" in await faq(fake_discord, "stats")


async def test_a_purge_button_deletes_nothing_for_a_member_another_server_or_after_its_deadline(
    fake_discord: FakeDiscord, bot: FAQBot
) -> None:
    for question in ("ice hold", "claim"):
        await ask(fake_discord, question, OPTED_IN)
    await settle(bot)
    assert await faq(fake_discord, "purge") == PURGE_ASK
    custom_id, message = purge_button(fake_discord)
    _, _, guild, until = custom_id.split(":")
    assert guild == str(OPTED_IN) and 0 < int(until) - time.time() <= 300

    assert await press(fake_discord, custom_id, message, permissions=0) == bot.engine.faq.message("not_moderator")
    assert await press(fake_discord, custom_id, message, guild_id=OPTED_OUT) == PURGE_OTHER_SERVER
    expired = f"faq:purge:{OPTED_IN}:{int(time.time()) - 1}"
    stale = copy.deepcopy(message)
    stale["components"][0]["components"][0]["custom_id"] = expired
    assert await press(fake_discord, expired, stale) == PURGE_EXPIRED
    assert not message.get("components"), "the expired button is taken off its message"
    assert "2 replies" in await faq(fake_discord, "stats"), "nothing was deleted"

    assert (await purge(fake_discord)).startswith("Deleted 2 stored row(s)")
    assert "0 replies" in await faq(fake_discord, "stats")


async def test_members_cannot_use_the_insights_commands(fake_discord: FakeDiscord, bot: FAQBot) -> None:
    not_moderator = bot.engine.faq.message("not_moderator")
    for sub in ("stats", "gaps", "settings", "purge"):
        assert await faq(fake_discord, sub, permissions=0) == not_moderator
    refused = await faq(fake_discord, "settings", {"record_unanswered": True}, permissions=0)
    assert refused == not_moderator
    assert (await bot.guild_settings.get(OPTED_IN)).record_unanswered is False
    assert await faq(fake_discord, "stats", dm=True) == SERVER_ONLY


async def test_server_settings_change_how_ask_replies(fake_discord: FakeDiscord, bot: FAQBot) -> None:
    await faq(fake_discord, "settings", {"default_public": True})
    public = await ask(fake_discord, "ice hold", OPTED_IN)
    assert not public["data"].get("flags")
    private = await ask(fake_discord, "ice hold", OPTED_OUT)
    assert private["data"]["flags"] == EPHEMERAL
    refused = await faq(fake_discord, "settings", {"public_allowed": False})
    assert refused.startswith("Not changed:")


async def test_privacy_walkthrough_stores_nothing_that_identifies_anyone(
    fake_discord: FakeDiscord, bot: FAQBot, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    db = tmp_path / "insights.sqlite3"
    await faq(fake_discord, "settings", {"record_unanswered": True})
    for guild in (OPTED_IN, OPTED_OUT, None):
        for user in USERS:
            await ask(fake_discord, "ice hold", guild, user)
            await ask(fake_discord, "claim", guild, user)
            await ask(fake_discord, PERSONAL, guild, user)
            await ask(fake_discord, f"{MARKED} {MARKERS[guild]}", guild, user)
    await settle(bot)
    gaps = await faq(fake_discord, "gaps")
    assert "[a-number]" in gaps and "[phone]" in gaps and "[email]" in gaps and "[name]" in gaps
    assert "8 replies" in await faq(fake_discord, "stats")

    raw = stored_bytes(db)
    assert raw, "the database was written"
    text = raw.decode("latin-1")
    for number in (OPTED_IN, OPTED_OUT, *CHANNELS, *USERS, 123456789012345678, fake_discord.application_id):
        assert str(number) not in text
    # A server key is 32 hex characters, so its digits (and a date stored right after it) can
    # run to 17 or more by chance: only a digit run that is not part of a hex token counts.
    assert not re.search(r"(?<![0-9a-fA-F])\d{17,20}(?![0-9a-fA-F])", text), "no snowflake-like id"
    for needle in ("123456789", "555-123-4567", "5551234567", "rosa", "Rosa", "Quintero", "example.com"):
        assert needle not in text
    assert not re.search(r"[\w.+-]+@[\w-]+\.[a-z]{2,}", text), "no e-mail address"
    assert not re.search(r"https?://", text), "no URL"
    assert MARKERS[OPTED_OUT] not in text and MARKERS[None] not in text, "only the opted-in server keeps text"
    assert f"{MARKED} {MARKERS[OPTED_IN]}" in text
    assert "weather" in text, "the opted-in server's scrubbed gaps are there"

    assert (await purge(fake_discord)).startswith("Deleted")
    await faq(fake_discord, "settings", {"record_unanswered": False})
    after = stored_bytes(db).decode("latin-1")
    assert MARKERS[OPTED_IN] not in after and "Bogota" not in after, "purged text is overwritten, not just unlinked"

    logs = caplog.text
    for secret in ("Quintero", "A123456789", "555-123-4567", "Bogota"):
        assert secret not in logs


async def test_a_broken_database_never_stops_answers(
    fake_discord: FakeDiscord, make_faq: FAQBuilder, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = make_faq()
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the database folder should be")
    settings = settings_for(folder, blocker / "insights.sqlite3")
    client = FAQBot(settings, Engine.load(folder), guild_ready_timeout=0.05)
    async with running_client(client, token=TOKEN, timeout=TIMEOUT):
        await client.tree.sync()
        for question in ("ice hold", PERSONAL):
            body = await ask(fake_discord, question, OPTED_IN)
            assert body["type"] == 4 and body["data"]["embeds"]
        assert (await faq(fake_discord, "stats")).startswith("Insights are unavailable")
        assert (await faq(fake_discord, "settings", {"record_unanswered": True})).startswith("Insights are unavailable")
    warnings = [r.getMessage() for r in caplog.records if r.name.startswith("bot.insights")]
    assert warnings == ["insights unavailable: NotADirectoryError (errno 20); the bot answers without them"]


async def test_a_database_locked_mid_session_only_costs_counts(
    fake_discord: FakeDiscord, bot: FAQBot, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    locker = sqlite3.connect(tmp_path / "insights.sqlite3", isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        for _ in range(3):
            body = await ask(fake_discord, "ice hold", OPTED_IN)
            assert body["type"] == 4 and body["data"]["embeds"]
        await settle(bot)
        assert bot.insights is not None and not bot.insights.available
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    await ask(fake_discord, "ice hold", OPTED_IN)
    await settle(bot)
    assert bot.insights.available
    assert "1 replies" in await faq(fake_discord, "stats")
    assert caplog.text.count("insights unavailable") == 1
