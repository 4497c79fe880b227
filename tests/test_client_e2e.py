"""End-to-end: the real discord.py client against the loopback FakeDiscord (tests/fakediscord).

In-process tests run :class:`bot.client.FAQBot` with discord.py redirected to
the fake (the ``fake_discord`` fixture); the subprocess tests run the real
console entry (``faqbot sync`` and ``faqbot run``, via the fake's launcher)
and stop it the way systemd does. Every assertion is on what the bot really
posted to the fake: callback type, embed, flags, allowed_mentions, components.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.answer import Answer
from bot.client import FAQBot, sync
from bot.config import Settings
from bot.engine import Engine
from tests.conftest import ASKER_ID, FAQBuilder, ask
from tests.fakediscord import FakeDiscord, FakeGuild, apply_redirect
from tests.fakediscord.launch import spawn
from tests.fakediscord.minimal import running_client

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 10.0
START_TIMEOUT = 30.0
TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.recognisable-e2e-token-0123456789"
GUILD_ID = 222233334444555566
CHANNEL_ID = 333344445555666677
USER_ID = ASKER_ID
MOD_ROLE = 555566667777888899
MANAGE_GUILD = 1 << 5
EPHEMERAL = 64
NO_MENTIONS = {"parse": []}
GUILD = FakeGuild(id=GUILD_ID, channel_id=CHANNEL_ID, roles={MOD_ROLE: "moderators"})
pytestmark = pytest.mark.fakediscord(guilds=[GUILD])

ANSWERED = "ice hold"
SUGGESTED = "claim"
UNKNOWN = "weather forecast"
SETTINGS_VARIABLES = ("FAQ_DIR", "SEEDS_DIR", "MODERATOR_ROLE_IDS", "REPLY_VISIBILITY", "ALLOW_PUBLIC_REPLIES")
SETTINGS_VARIABLES += ("REFERRAL_TEXT", "LOG_LEVEL", "SHARD_COUNT", "SHARD_IDS", "COOLDOWN_RATE", "COOLDOWN_PER")
SETTINGS_VARIABLES += ("INSIGHTS_DB", "INSIGHTS_SECRET")


def custom_ids(body: dict[str, Any]) -> list[str]:
    """The custom_ids of a callback's components."""
    rows = body["data"].get("components") or []
    return [c["custom_id"] for row in rows for c in row["components"] if "custom_id" in c]


def assert_private_message(body: dict[str, Any]) -> dict[str, Any]:
    """A type-4 ephemeral reply that mentions nobody; returns its data."""
    assert body["type"] == 4
    assert body["data"]["flags"] == EPHEMERAL
    assert body["data"]["allowed_mentions"] == NO_MENTIONS
    return body["data"]


@pytest_asyncio.fixture
async def bot(fake_discord: FakeDiscord, make_faq: FAQBuilder) -> AsyncIterator[FAQBot]:
    """A FAQBot over a small temporary FAQ, connected to the fake, commands synced as an operator would.

    Insights are off here (tests/insights/test_e2e.py covers them), so settings come from the environment.
    """
    folder = make_faq()
    settings = Settings.from_env({"DISCORD_TOKEN": TOKEN, "FAQ_DIR": str(folder), "INSIGHTS_DB": ""})
    client = FAQBot(settings, Engine.load(folder), guild_ready_timeout=0.05)
    async with running_client(client, token=TOKEN, timeout=TIMEOUT):
        await client.tree.sync()
        yield client


async def test_ask_answers_suggests_and_declines(fake_discord: FakeDiscord, bot: FAQBot) -> None:
    faq = bot.engine.faq
    answered = assert_private_message(await ask(fake_discord, ANSWERED))
    (embed,) = answered["embeds"]
    assert embed["title"] == faq.by_id["detainer-is-request"].question
    assert embed["footer"]["text"] == faq.message("disclaimer")
    assert faq.by_id["detainer-is-request"].citations[0].quote in embed["fields"][0]["value"]
    assert not answered.get("components")

    suggested = await ask(fake_discord, SUGGESTED)
    assert assert_private_message(suggested)["embeds"][0]["title"] == faq.message("suggest_intro")
    assert custom_ids(suggested) == ["faq:show:ftca-vs-personal-suit"]

    declined = await ask(fake_discord, UNKNOWN, locale="es-419")
    assert assert_private_message(declined)["embeds"][0]["title"] == faq.message("no_match", "es")
    assert custom_ids(declined) == ["faq:topics:es"]
    fake_discord.assert_no_unknown_requests()


async def test_spanish_names_are_synced_and_interactions_still_use_the_english_names(
    fake_discord: FakeDiscord, bot: FAQBot
) -> None:
    """Discord shows Spanish names to a Spanish client but always sends the bot the default names."""
    synced = {c["name"]: c for c in fake_discord.global_commands}
    assert synced["ask"]["name_localizations"]["es-ES"] == "preguntar"
    assert [o["name_localizations"]["es-ES"] for o in synced["ask"]["options"]] == ["pregunta", "publicar", "idioma"]
    faq = synced["faq"]
    assert faq["name_localizations"]["es-ES"] == "preguntas-frecuentes"
    assert [o["name_localizations"]["es-ES"] for o in faq["options"]] == ["temas", "mostrar", "recargar"]
    assert faq["options"][1]["options"][0]["name_localizations"]["es-ES"] == "entrada"

    answered = assert_private_message(await ask(fake_discord, "es obligatorio el hold de ice", locale="es-ES"))
    assert answered["embeds"][0]["title"] == bot.engine.faq.by_id["detainer-is-request"].text("es").question
    suggestions = fake_discord.autocomplete("ask", {"question": "ftca"}, focused="question", locale="es-419")
    choices = (await fake_discord.interact(suggestions, TIMEOUT))["data"]["choices"]
    assert choices[0]["name"] == bot.engine.faq.by_id["ftca-vs-personal-suit"].text("es").question
    suggested = await ask(fake_discord, SUGGESTED, locale="es-ES")
    assert custom_ids(suggested) == ["faq:show:ftca-vs-personal-suit"], "custom_ids never carry a command name"
    click = fake_discord.component("faq:show:ftca-vs-personal-suit", user_id=USER_ID, locale="es-ES")
    assert assert_private_message(await fake_discord.interact(click, TIMEOUT))["embeds"][0]["title"].startswith("¿")
    topics = await fake_discord.interact(fake_discord.slash_command("faq", subcommand="topics", locale="es-419"))
    assert assert_private_message(topics)["embeds"][0]["title"] == "Temas"
    assert custom_ids(topics) == ["faq:topic:es"]
    show = fake_discord.slash_command("faq", {"entry": "ftca-vs-personal-suit"}, subcommand="show", locale="es-ES")
    shown = assert_private_message(await fake_discord.interact(show, TIMEOUT))
    assert shown["embeds"][0]["title"] == bot.engine.faq.by_id["ftca-vs-personal-suit"].text("es").question
    fake_discord.assert_no_unknown_requests()


async def test_public_answers_are_posted_in_the_channel(fake_discord: FakeDiscord, bot: FAQBot) -> None:
    body = await ask(fake_discord, ANSWERED, public=True)
    assert body["type"] == 4 and not body["data"].get("flags")
    assert body["data"]["allowed_mentions"] == NO_MENTIONS
    bot.guild_settings.value = replace(bot.guild_settings.value, public_allowed=False)  # type: ignore[attr-defined]
    refused = assert_private_message(await ask(fake_discord, ANSWERED, public=True))
    assert refused["content"] == bot.engine.faq.message("public_not_allowed")


async def test_autocomplete(fake_discord: FakeDiscord, bot: FAQBot) -> None:
    payload = fake_discord.autocomplete("ask", {"question": "tort claim"}, focused="question", user_id=USER_ID)
    body = await fake_discord.interact(payload, TIMEOUT)
    assert body["type"] == 8
    choices = body["data"]["choices"]
    assert choices[0]["value"] == bot.engine.faq.by_id["ftca-vs-personal-suit"].question
    assert len(choices) <= 25 and all(len(c["name"]) <= 100 for c in choices)
    empty = await fake_discord.interact(fake_discord.autocomplete("ask", {"question": ""}, focused="question"), TIMEOUT)
    assert len(empty["data"]["choices"]) == len(bot.engine.faq.entries)


async def test_did_you_mean_click_answers_the_clicker_and_is_recorded(fake_discord: FakeDiscord, bot: FAQBot) -> None:
    recorded: asyncio.Future[tuple[int | None, Answer, Any]] = asyncio.get_running_loop().create_future()

    async def on_faq_answer(guild_id: int | None, answer: Answer, locale: Any) -> None:
        if answer.status == "answer" and not recorded.done():
            recorded.set_result((guild_id, answer, locale))

    await ask(fake_discord, SUGGESTED)
    bot.add_listener(on_faq_answer, "on_faq_answer")
    click = fake_discord.component("faq:show:ftca-vs-personal-suit", user_id=USER_ID + 1, locale="es-ES")
    data = assert_private_message(await fake_discord.interact(click, TIMEOUT))
    assert data["embeds"][0]["title"] == bot.engine.faq.by_id["ftca-vs-personal-suit"].question
    guild_id, answer, locale = await asyncio.wait_for(recorded, TIMEOUT)
    assert (guild_id, answer.entry_id, str(locale)) == (GUILD_ID, "ftca-vs-personal-suit", "es-ES")


async def test_buttons_keep_working_after_a_restart(fake_discord: FakeDiscord, make_faq: FAQBuilder) -> None:
    """A "did you mean" button sent by one process is answered by the next (nothing is kept in memory)."""
    folder = make_faq()
    settings = Settings.from_env({"DISCORD_TOKEN": TOKEN, "FAQ_DIR": str(folder), "INSIGHTS_DB": ""})
    async with running_client(FAQBot(settings, Engine.load(folder), guild_ready_timeout=0.05), token=TOKEN):
        assert custom_ids(await ask(fake_discord, SUGGESTED)) == ["faq:show:ftca-vs-personal-suit"]
    restarted = FAQBot(settings, Engine.load(folder), guild_ready_timeout=0.05)
    async with running_client(restarted, token=TOKEN):
        click = fake_discord.component("faq:show:ftca-vs-personal-suit", user_id=USER_ID)
        data = assert_private_message(await fake_discord.interact(click, TIMEOUT))
        assert data["embeds"][0]["title"] == restarted.engine.faq.by_id["ftca-vs-personal-suit"].question


async def test_browsing_topics(fake_discord: FakeDiscord, bot: FAQBot) -> None:
    opened = assert_private_message(await fake_discord.interact(fake_discord.slash_command("faq", subcommand="topics")))
    assert opened["embeds"][0]["title"] == "Topics"
    picked = await fake_discord.interact(fake_discord.component("faq:topic:en", component_type=3, values=["suing-ice"]))
    assert picked["type"] == 7 and picked["data"]["embeds"][0]["title"] == "Suing ICE and its agents"
    assert custom_ids(picked) == ["faq:entry:en", "faq:nav:en::0"]
    chosen = fake_discord.component("faq:entry:en", component_type=3, values=["ftca-vs-personal-suit"])
    shown = assert_private_message(await fake_discord.interact(chosen, TIMEOUT))
    assert shown["embeds"][0]["title"] == bot.engine.faq.by_id["ftca-vs-personal-suit"].question


async def reload(fake: FakeDiscord, **kwargs: Any) -> dict[str, Any]:
    """Run /faq reload; return the immediate callback, or the follow-up's JSON after a deferral."""
    payload = fake.slash_command("faq", subcommand="reload", **kwargs)
    body = await fake.interact(payload, TIMEOUT)
    if body["type"] != 5:
        return body
    assert body["data"]["flags"] == EPHEMERAL
    path = f"/webhooks/{fake.application_id}/{payload['token']}"
    followup = await fake.wait_for_request(lambda r: r.method == "POST" and r.path == path, TIMEOUT)
    return {"type": "followup", "data": followup.json}


async def test_reload_requires_a_moderator(fake_discord: FakeDiscord, bot: FAQBot) -> None:
    before = bot.engine
    refused = assert_private_message(await reload(fake_discord, user_id=USER_ID))
    assert refused["content"] == before.faq.message("not_moderator")
    assert bot.engine is before

    allowed = await reload(fake_discord, permissions=MANAGE_GUILD)
    assert allowed["data"]["flags"] == EPHEMERAL and allowed["data"]["allowed_mentions"] == NO_MENTIONS
    assert allowed["data"]["content"].startswith("FAQ reloaded: 2 entries are live.")
    assert bot.engine is not before

    bot.settings = replace(bot.settings, moderator_role_ids=frozenset({MOD_ROLE}))
    by_role = await reload(fake_discord, roles=[MOD_ROLE])
    assert by_role["type"] == "followup"


async def test_a_broken_faq_keeps_the_old_one_live(fake_discord: FakeDiscord, bot: FAQBot) -> None:
    live = bot.engine
    (live.faq.folder / "broken.yaml").write_text("entries:\n  - id: Not A Slug\n", encoding="utf-8")
    failed = await reload(fake_discord, permissions=MANAGE_GUILD)
    content = failed["data"]["content"]
    assert content.startswith("The FAQ was NOT reloaded") and "faq/broken.yaml:2 [Not A Slug]" in content
    assert bot.engine is live
    still = assert_private_message(await ask(fake_discord, ANSWERED))
    assert still["embeds"][0]["title"] == live.faq.by_id["detainer-is-request"].question


async def test_logs_never_identify_anyone(
    fake_discord: FakeDiscord, bot: FAQBot, caplog: pytest.LogCaptureFixture
) -> None:
    """A whole session at DEBUG: no user, guild or channel id, no question text, no token in any log line."""
    question = "my cousin Evangelina was taken from 17 Birch Road"
    caplog.set_level(logging.DEBUG, logger="discord")
    caplog.set_level(logging.DEBUG, logger="bot")
    await ask(fake_discord, question, channel_id=CHANNEL_ID)
    await ask(fake_discord, SUGGESTED, channel_id=CHANNEL_ID)
    await fake_discord.interact(fake_discord.component("faq:show:ftca-vs-personal-suit", user_id=USER_ID), TIMEOUT)
    await fake_discord.interact(
        fake_discord.autocomplete("ask", {"question": question}, focused="question", user_id=USER_ID)
    )
    await reload(fake_discord, user_id=USER_ID)
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith(("bot", "discord"))) + caplog.text
    assert "INTERACTION_CREATE" in logged and "decision=" in logged, "the session was logged"
    for secret in (str(USER_ID), str(GUILD_ID), str(CHANNEL_ID), question, "Evangelina", TOKEN):
        assert secret not in logged


# --- the console entry, in a subprocess ----------------------------------------------------


def subprocess_env(folder: Path, **extra: str) -> dict[str, str]:
    """The environment for ``faqbot``: the test's settings only, the repository importable."""
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES and k != "DISCORD_TOKEN"}
    env.update(DISCORD_TOKEN=TOKEN, FAQ_DIR=str(folder), PYTHONPATH=str(ROOT), **extra)
    return env


async def launch(fake: FakeDiscord, argv: list[str], env: dict[str, str], cwd: Path, stderr: Any) -> Any:
    """``faqbot <argv>`` in a subprocess, pointed at ``fake``."""
    return await spawn(fake.base_url, argv, env=env, cwd=cwd, stdout=asyncio.subprocess.PIPE, stderr=stderr)


async def test_faqbot_sync_then_run_in_a_subprocess(
    fake_discord: FakeDiscord, make_faq: FAQBuilder, tmp_path: Path
) -> None:
    folder = make_faq()
    env = subprocess_env(folder, LOG_LEVEL="DEBUG")
    log_path = tmp_path / "stderr.log"
    with log_path.open("wb") as stderr:
        syncing = await launch(fake_discord, ["sync", "--guild", str(GUILD_ID)], env, tmp_path, stderr)
        out, _ = await asyncio.wait_for(syncing.communicate(), START_TIMEOUT)
    assert syncing.returncode == 0, log_path.read_text()
    faq = ["topics", "show", "reload", "stats", "gaps", "settings", "purge"]
    assert out.decode().splitlines()[1:] == ["  /ask", *(f"  /faq {name}" for name in faq)]
    commands = fake_discord.guild_commands[str(GUILD_ID)]
    ask_command = next(c for c in commands if c["name"] == "ask")
    assert ask_command["description_localizations"]["es-419"].startswith("Pregunte sobre la policía")
    assert ask_command["name_localizations"]["es-419"] == "preguntar"
    assert [o["name_localizations"]["es-419"] for o in ask_command["options"]] == ["pregunta", "publicar", "idioma"]
    assert not fake_discord.global_commands, "sync --guild syncs to that server only"

    question = "my brother Anselmo was detained, is an ice hold an order"
    with log_path.open("ab") as stderr:
        running = await launch(fake_discord, ["run"], env, tmp_path, stderr)
        try:
            await fake_discord.wait_until_ready(START_TIMEOUT)
            body = await fake_discord.interact(
                fake_discord.slash_command("ask", {"question": question}, user_id=USER_ID, channel_id=CHANNEL_ID),
                START_TIMEOUT,
            )
            data = assert_private_message(body)
            assert data["embeds"][0]["description"].startswith("⚠️ **")
        finally:
            running.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(running.wait(), START_TIMEOUT)
            finally:
                if running.returncode is None:
                    running.kill()
                    await running.wait()
    logs = log_path.read_text(encoding="utf-8")
    assert running.returncode == 0, logs
    assert "bot.answers: ask decision=" in logs and "INTERACTION_CREATE" in logs
    for secret in (str(USER_ID), str(GUILD_ID), str(CHANNEL_ID), question, "Anselmo", TOKEN):
        assert secret not in logs


async def test_faqbot_run_with_a_broken_faq_exits_1(
    fake_discord: FakeDiscord, make_faq: FAQBuilder, tmp_path: Path
) -> None:
    folder = make_faq({"main.yaml": "entries:\n  - id: Bad Id\n"})
    with (tmp_path / "stderr.log").open("wb") as stderr:
        process = await launch(fake_discord, ["run"], subprocess_env(folder), tmp_path, stderr)
        await asyncio.wait_for(process.wait(), START_TIMEOUT)
    errors = (tmp_path / "stderr.log").read_text(encoding="utf-8")
    assert process.returncode == 1 and "main.yaml:2: [Bad Id]" in errors and "nothing was loaded" in errors
    assert not fake_discord.requests, "nothing is sent to Discord"


@pytest.mark.fakediscord(token="the-only-token-the-fake-accepts-0123456789")
async def test_a_rejected_token_exits_2_without_printing_it(
    fake_discord: FakeDiscord, make_faq: FAQBuilder, tmp_path: Path
) -> None:
    with (tmp_path / "stderr.log").open("wb") as stderr:
        process = await launch(fake_discord, ["sync"], subprocess_env(make_faq()), tmp_path, stderr)
        await asyncio.wait_for(process.wait(), START_TIMEOUT)
    errors = (tmp_path / "stderr.log").read_text(encoding="utf-8")
    assert process.returncode == 2 and "Discord rejected DISCORD_TOKEN" in errors
    assert TOKEN not in errors


def test_sync_without_discord_reachable_exits_1(make_faq: FAQBuilder, capsys: pytest.CaptureFixture[str]) -> None:
    folder = make_faq()
    settings = Settings.from_env({"DISCORD_TOKEN": TOKEN, "FAQ_DIR": str(folder), "INSIGHTS_DB": ""})
    undo = apply_redirect("http://127.0.0.1:9")
    try:
        assert sync(settings, Engine.load(folder), None, sys.stdout, sys.stderr) == 1
    finally:
        undo()
    assert "could not reach Discord (ClientConnectorError)" in capsys.readouterr().err
