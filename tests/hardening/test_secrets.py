"""Security and secrets: moderator commands are checked at run time, the token never leaks, dependencies are pinned.

* Every moderator-only ``/faq`` subcommand (``reload``, and ``stats``,
  ``gaps``, ``settings``, ``purge`` when insights are on: whatever exists when
  the test runs) is refused, privately, for members whose payload lacks Manage
  Server and the moderator role, as if Discord's default permissions had been
  overridden so the interaction arrives anyway; nothing is reloaded, changed
  or deleted.
* A recognisable token (and insights secret) never appears in any log record
  at DEBUG from any logger, in any error, traceback or ``repr``, in anything the
  bot posts, nor in the stderr of ``faqbot run`` subprocesses: through settings
  validation errors, a login failure, crashes inside commands, and a session.
* ``pyproject.toml`` declares lower bounds, ``constraints.txt`` pins every
  dependency within them, and CI installs with it.
"""

from __future__ import annotations

import base64
import dataclasses
import logging
import pprint
import re
import signal
import sqlite3
import sys
import tomllib
import traceback
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import discord
import pytest
import pytest_asyncio
import yaml
from packaging.requirements import Requirement
from packaging.version import Version

from bot.client import FAQBot
from bot.cogs import insights as insights_cog
from bot.config import ConfigError, Settings
from bot.engine import Engine
from tests.conftest import FAQBuilder, ask, entry, ftca_entry
from tests.fakediscord import DEFAULT_MEMBER_PERMISSIONS, FakeDiscord, redirect_discord
from tests.fakediscord.minimal import running_client
from tests.hardening.conftest import (
    EPHEMERAL,
    GUILD,
    GUILD_ID,
    IMPOSTOR_ROLE,
    MANAGE_GUILD,
    MOD_ROLE,
    OTHER_ROLE,
    ROOT,
    TIMEOUT,
    TOKEN,
    TOKEN_PARTS,
    USER_ID,
    bot_env,
    faq_command,
    launch,
    make_live_bot,
    record,
    stop_within,
    subprocess_env,
)

pytestmark = pytest.mark.fakediscord(guilds=[GUILD])

INSIGHTS_SECRET = "INSIGHTS-SECRET-CANARY-4242424242"
START_LIMIT = 30.0
SECRETS = (
    TOKEN,
    *TOKEN_PARTS,
    INSIGHTS_SECRET,
    base64.b64encode(TOKEN.encode()).decode(),
    quote(TOKEN, safe=""),
)
PUBLIC_SUBCOMMANDS = {"topics", "show"}
# Moderator-like permissions that are NOT Manage Server: kick, ban, manage channels, manage messages,
# manage roles, moderate members.
MODISH = (1 << 1) | (1 << 2) | (1 << 4) | (1 << 13) | (1 << 28) | (1 << 40)
MEMBERS: dict[str, dict[str, Any]] = {
    "plain member": {"user_id": USER_ID, "permissions": DEFAULT_MEMBER_PERMISSIONS},
    "member with every other moderation permission": {
        "user_id": USER_ID + 1,
        "permissions": DEFAULT_MEMBER_PERMISSIONS | MODISH,
        "roles": [OTHER_ROLE, IMPOSTOR_ROLE],
    },
    "direct message": {"user_id": USER_ID + 2, "dm": True},
}
OPTIONS: dict[str, dict[str, Any]] = {
    "stats": {"days": 365},
    "gaps": {"days": 365},
    "settings": {"record_unanswered": True, "default_public": True, "public_allowed": False, "referral": "@everyone"},
}


def assert_no_secret(text: str, where: str) -> None:
    """None of the secrets, nor any recognisable part of the token, in ``text``."""
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} leaked in {where}"


# --- moderator commands -----------------------------------------------------------------------


@pytest_asyncio.fixture
async def insights_bot(fake_discord: FakeDiscord, make_faq: FAQBuilder, tmp_path: Path) -> AsyncIterator[FAQBot]:
    """The live bot with insights on (so every moderator subcommand exists), synced."""
    client = make_live_bot(make_faq(), INSIGHTS_DB=str(tmp_path / "insights.sqlite3"))
    async with running_client(client, token=TOKEN, timeout=TIMEOUT):
        await client.tree.sync()
        yield client


async def stored_rows(bot: FAQBot) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the insights database, once queued writes are flushed (empty when insights are off)."""
    insights = bot.insights
    recorder = getattr(insights, "recorder", None)
    if recorder is not None:
        await recorder.flush()
    path = bot.settings.insights_db
    if path is None or not Path(path).exists():
        return {}
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        tables = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {t: sorted(db.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}


async def test_moderator_subcommands_are_refused_at_run_time(fake_discord: FakeDiscord, insights_bot: FAQBot) -> None:
    bot = insights_bot
    faq_group = next(c for c in bot.tree.get_commands() if c.name == "faq")
    moderator_only = sorted(c.name for c in faq_group.commands if c.name not in PUBLIC_SUBCOMMANDS)  # type: ignore[attr-defined]
    assert {"reload", "stats", "gaps", "settings", "purge"} <= set(moderator_only)

    for question in ("is an ice hold mandatory", "weather today", "claim"):  # something to purge
        await ask(fake_discord, question)
    folder = bot.engine.faq.folder
    changed = entry(answer="An edit a member must not be able to put live.")
    (folder / "main.yaml").write_text(yaml.safe_dump({"entries": [changed, ftca_entry()]}), encoding="utf-8")
    live = bot.engine
    settings_before = await bot.guild_settings.get(GUILD_ID)
    rows_before = await stored_rows(bot)
    assert any(rows_before.values()), "the bot has recorded something a purge would delete"
    refusal = live.faq.message("not_moderator")
    server_only = getattr(insights_cog, "SERVER_ONLY", refusal)

    refused = 0
    for who, member in MEMBERS.items():
        for name in moderator_only:
            payload = fake_discord.slash_command("faq", OPTIONS.get(name), subcommand=name, **member)
            body = await fake_discord.interact(payload, TIMEOUT)
            data = body["data"]
            assert body["type"] == 4, (who, name, body)  # answered at once: never deferred, never run
            assert data["flags"] & EPHEMERAL and data["allowed_mentions"] == {"parse": []}, (who, name)
            allowed = {refusal, server_only} if member.get("dm") else {refusal}
            assert data["content"] in allowed, (who, name, data["content"])
            refused += 1

    assert bot.engine is live, "nothing was reloaded"
    assert await bot.guild_settings.get(GUILD_ID) == settings_before, "no setting changed"
    assert await stored_rows(bot) == rows_before, "nothing was purged or written by a refused command"
    record("moderator commands refused", subcommands=len(moderator_only), members=len(MEMBERS), refusals=refused)

    # The same commands work for a real moderator: by role id, and by Manage Server.
    by_role = await faq_command(fake_discord, "settings", user_id=USER_ID + 3, roles=[MOD_ROLE])
    assert by_role["type"] == "followup"
    reloaded = await faq_command(fake_discord, "reload", user_id=USER_ID + 4, permissions=MANAGE_GUILD)
    assert reloaded["data"]["content"].startswith("FAQ reloaded") and bot.engine is not live


# --- the token --------------------------------------------------------------------------------


def logged_text(caplog: pytest.LogCaptureFixture) -> str:
    """Every record from every logger except the test fake's own, as handlers would write it."""
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    lines = []
    for record_ in caplog.records:
        if record_.name.startswith("tests."):
            continue
        lines.append(formatter.format(record_))
        if record_.exc_info:
            lines.append(formatter.formatException(record_.exc_info))
    return "\n".join(lines)


def exception_text(error: BaseException) -> str:
    return "\n".join([str(error), repr(error), *traceback.format_exception(error)])


async def test_the_token_never_reaches_logs_errors_or_tracebacks(
    make_faq: FAQBuilder, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.DEBUG)  # the root logger: every logger without a level of its own
    for name in ("discord", "bot", "aiohttp", "asyncio"):
        caplog.set_level(logging.DEBUG, logger=name)  # restored after the test, like the root's
    folder = make_faq()
    seen: dict[str, int] = {}

    # 1. Settings validation errors, with the token set (and once with the token pasted badly).
    for env in (
        bot_env(folder, REPLY_VISIBILITY="loud", SHARD_IDS="x", COOLDOWN_RATE="0", INSIGHTS_SECRET=INSIGHTS_SECRET),
        bot_env(folder, DISCORD_TOKEN=f"{TOKEN} {TOKEN}", LOG_LEVEL="CHATTY"),
    ):
        with pytest.raises(ConfigError) as invalid:
            Settings.from_env(env)
        assert_no_secret(exception_text(invalid.value), "a settings error")
        seen["settings_errors"] = seen.get("settings_errors", 0) + len(invalid.value.problems)

    # 2. The settings themselves, however they are printed.
    settings = Settings.from_env(bot_env(folder, INSIGHTS_SECRET=INSIGHTS_SECRET))
    assert settings.token.reveal() == TOKEN
    for shown in (repr(settings), str(settings), f"{settings}", pprint.pformat(settings)):
        assert_no_secret(shown, "repr(settings)")
    assert_no_secret(repr(dataclasses.asdict(settings)), "asdict(settings)")
    assert_no_secret(repr(dataclasses.replace(settings)), "a copy of the settings")

    # 3. A login failure: Discord rejects the token.
    async with FakeDiscord(token="a-different-token-entirely-0123456789") as strict:
        with redirect_discord(strict):
            rejected = FAQBot(settings, Engine.load(folder))
            with pytest.raises(discord.LoginFailure) as failure:
                await rejected.login(TOKEN)
            await rejected.close()
    assert_no_secret(exception_text(failure.value), "the login failure")

    # 4. Crashes inside commands, whose messages even carry the settings and the token itself.
    def crash(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(f"crashed while holding {settings!r} and {settings.token.reveal()}")

    async with FakeDiscord(guilds=[GUILD]) as fake:
        with redirect_discord(fake):
            bot = FAQBot(settings, Engine.load(folder), guild_ready_timeout=0.05)
            async with running_client(bot, token=TOKEN, timeout=TIMEOUT):
                await bot.tree.sync()
                await ask(fake, "is an ice hold mandatory")
                await fake.interact(fake.autocomplete("ask", {"question": "ice"}, focused="question"), TIMEOUT)
                await ask(fake, "claim")  # sends a "did you mean" button
                with monkeypatch.context() as patch:
                    patch.setattr(Engine, "ask", crash)
                    patch.setattr(Engine, "show", crash)
                    apology = (await ask(fake, "is an ice hold mandatory"))["data"]["content"]
                    assert apology == bot.engine.faq.message("error")
                    click = fake.component("faq:show:ftca-vs-personal-suit", user_id=USER_ID)
                    assert (await fake.interact(click, TIMEOUT))["data"]["content"] == apology
                await faq_command(fake, "reload", permissions=MANAGE_GUILD)
        posted = "\n".join(repr(r.json) + repr(r.query) + r.path for r in fake.requests)
    assert_no_secret(posted, "what the bot posted to Discord")

    logs = logged_text(caplog)
    assert "/ask failed: RuntimeError" in logs and "ShowEntryButton failed: RuntimeError" in logs
    assert "Improper token" in logs or "401" in logs or "LoginFailure" in exception_text(failure.value)
    assert_no_secret(logs, "the log records")
    seen["log_records"] = len(caplog.records)
    record("token canary (in process)", **seen, crashes_forced=2)


@pytest.mark.fakediscord(guilds=[GUILD], token="a-different-token-entirely-0123456789")
async def test_faqbot_run_never_prints_the_token(
    fake_discord: FakeDiscord, make_faq: FAQBuilder, tmp_path: Path
) -> None:
    """``faqbot run`` at DEBUG: a settings error, a rejected token; stderr and stdout never show the token."""
    folder = make_faq()
    outputs: dict[str, tuple[int | None, str]] = {}
    runs = {
        "settings errors": {"REPLY_VISIBILITY": "loud", "SHARD_IDS": "x", "INSIGHTS_SECRET": INSIGHTS_SECRET},
        "rejected token": {"INSIGHTS_SECRET": INSIGHTS_SECRET},
    }
    for name, extra in runs.items():
        env = {**subprocess_env(folder, str(tmp_path / "insights.sqlite3")), **extra}
        log_path = tmp_path / f"{name}.log"
        with log_path.open("wb") as stderr:
            process = await launch(fake_discord, ["run"], env, tmp_path, stderr)
            await stop_within(process, START_LIMIT)
        outputs[name] = (process.returncode, log_path.read_text(encoding="utf-8"))
    assert outputs["settings errors"][0] == 2 and "REPLY_VISIBILITY must be" in outputs["settings errors"][1]
    assert outputs["rejected token"][0] == 2 and "Discord rejected DISCORD_TOKEN" in outputs["rejected token"][1]
    for name, (_, text) in outputs.items():
        assert_no_secret(text, f"faqbot run ({name})")


async def test_a_faqbot_run_session_at_debug_never_prints_the_token(
    fake_discord: FakeDiscord, make_faq: FAQBuilder, tmp_path: Path
) -> None:
    """A whole session: answers, autocomplete, a button, a command that fails, a refused reload, then SIGINT."""
    folder = make_faq()
    env = {**subprocess_env(folder, str(tmp_path / "insights.sqlite3")), "INSIGHTS_SECRET": INSIGHTS_SECRET}
    log_path = tmp_path / "stderr.log"
    with log_path.open("wb") as stderr:
        process = await launch(fake_discord, ["run"], env, tmp_path, stderr)
        try:
            await fake_discord.wait_until_ready(START_LIMIT)
            await ask(fake_discord, "is an ice hold mandatory")
            await ask(fake_discord, "claim")
            await fake_discord.interact(fake_discord.component("faq:show:ftca-vs-personal-suit"), TIMEOUT)
            await fake_discord.interact(
                fake_discord.autocomplete("ask", {"question": "tort"}, focused="question"), TIMEOUT
            )
            unknown = await fake_discord.interact(fake_discord.slash_command("no-such-command"), TIMEOUT)
            assert unknown["data"]["flags"] & EPHEMERAL, "an unknown command gets the private apology"
            await faq_command(fake_discord, "reload", user_id=USER_ID)
            process.send_signal(signal.SIGINT)
            await stop_within(process, START_LIMIT)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    logs = log_path.read_text(encoding="utf-8")
    assert process.returncode == 0 and "DEBUG" in logs and "a command failed: CommandNotFound" in logs
    assert_no_secret(logs, "the stderr of a faqbot run session")
    record("token canary (faqbot run subprocesses)", stderr_lines=len(logs.splitlines()))


# --- dependencies -----------------------------------------------------------------------------


def test_dependencies_have_lower_bounds_and_ci_installs_the_pinned_constraints() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = [Requirement(r) for r in project["dependencies"]]
    declared += [Requirement(r) for extra in project.get("optional-dependencies", {}).values() for r in extra]
    pins: dict[str, Version] = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, pinned = line.partition("==")
            assert pinned, f"constraints.txt pins exact versions: {line!r}"
            pins[re.sub(r"[-_.]+", "-", name).lower()] = Version(pinned)
    for requirement in declared:
        lower = [s for s in requirement.specifier if s.operator in (">=", "==", "~=", ">")]
        assert lower, f"{requirement} has no lower bound in pyproject.toml"
        key = re.sub(r"[-_.]+", "-", requirement.name).lower()
        assert key in pins, f"{requirement.name} is not pinned in constraints.txt"
        assert requirement.specifier.contains(pins[key], prereleases=True), (requirement, pins[key])
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"pip install[^\n]*-c constraints\.txt", ci), "CI installs with constraints.txt"
    assert sys.version_info >= (3, 11)
    record("dependencies", declared=len(declared), pinned=len(pins))
