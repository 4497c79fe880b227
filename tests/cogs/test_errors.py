"""The one error handler: friendly check failures, a short apology otherwise, logs without user data."""

from __future__ import annotations

import logging

import discord
import pytest
from discord import app_commands

from bot.client import FAQBot
from bot.cogs.ask import AskCog
from bot.cogs.errors import on_app_command_error
from bot.engine import Engine
from tests.cogs.conftest import GUILD_ID, USER_ID, FakeInteraction, click, invoke


def cooldown(retry_after: float) -> app_commands.CommandOnCooldown:
    return app_commands.CommandOnCooldown(app_commands.Cooldown(5, 30), retry_after)


@pytest.mark.parametrize(
    ("error", "key", "values"),
    [
        (cooldown(4.2), "cooldown", {"seconds": 5}),
        (cooldown(0.01), "cooldown", {"seconds": 1}),
        (app_commands.MissingPermissions(["manage_guild"]), "not_moderator", {}),
        (app_commands.NoPrivateMessage(), "check_failed", {}),
        (app_commands.CommandInvokeError(AskCog.ask, RuntimeError("boom")), "error", {}),
    ],
)
async def test_each_failure_gets_its_own_private_message(
    bot: FAQBot, small_engine: Engine, error: app_commands.AppCommandError, key: str, values: dict
) -> None:
    interaction = FakeInteraction(bot, locale="es-ES", command=AskCog.ask)
    await on_app_command_error(interaction, error)  # type: ignore[arg-type]
    reply = interaction.reply
    assert reply.kind == "response" and reply.ephemeral
    assert reply.content == small_engine.faq.message(key, "es").format(**values)


async def test_after_a_response_the_apology_is_a_followup(bot: FAQBot, small_engine: Engine) -> None:
    interaction = FakeInteraction(bot, command=AskCog.ask)
    await interaction.response.defer(ephemeral=True)
    await on_app_command_error(interaction, app_commands.CommandInvokeError(AskCog.ask, KeyError("x")))  # type: ignore[arg-type]
    assert interaction.reply.kind == "followup" and interaction.reply.ephemeral
    assert interaction.reply.content == small_engine.faq.message("error")


async def test_a_crash_is_logged_by_type_and_command_only(
    bot: FAQBot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    question = "my neighbour Casimir at 22 Oak Lane"

    def explode(*args: object, **kwargs: object) -> None:
        raise ValueError(f"cannot answer {question}")

    monkeypatch.setattr(Engine, "ask", explode)
    caplog.set_level(logging.DEBUG)
    interaction = FakeInteraction(bot)
    cog = AskCog(bot)
    await invoke(AskCog.ask, cog, interaction, question=question)
    assert interaction.reply.content == bot.engine.faq.message("error")
    (record,) = [r for r in caplog.records if r.name == "bot.errors"]
    assert record.getMessage().startswith("/ask failed: ValueError")
    for secret in (question, "Casimir", str(USER_ID), str(GUILD_ID)):
        assert secret not in caplog.text


async def test_a_failing_component_apologises_instead_of_failing_silently(
    bot: FAQBot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(Engine, "show", explode)
    interaction = await click(bot, "faq:show:detainer-is-request", label="ice hold")
    assert interaction.reply.ephemeral and interaction.reply.content == bot.engine.faq.message("error")
    assert "ShowEntryButton failed: RuntimeError" in caplog.text


async def test_an_apology_that_cannot_be_sent_is_logged_not_raised(
    bot: FAQBot, caplog: pytest.LogCaptureFixture
) -> None:
    interaction = FakeInteraction(bot, command=AskCog.ask)

    async def gone(*args: object, **kwargs: object) -> None:
        raise discord.NotFound(type("R", (), {"status": 404, "reason": "Not Found"})(), "Unknown interaction")

    interaction.response.send_message = gone  # type: ignore[method-assign]
    await on_app_command_error(interaction, cooldown(3))  # type: ignore[arg-type]
    assert "could not send the apology (NotFound 404)" in caplog.text
