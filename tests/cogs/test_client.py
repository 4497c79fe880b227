"""The client: intents, sharding, set-up, the translator, and logs that cannot identify anyone."""

from __future__ import annotations

import logging

import discord
import pytest
from discord import app_commands

from bot.client import FAQBot, PackTranslator, ShardedFAQBot, create_bot, describe_synced, intents
from bot.engine import Engine
from bot.logsafe import RedactingFilter, protect_discord_loggers, redact
from bot.views import DYNAMIC_ITEMS
from tests.cogs.conftest import make_bot, make_settings


def test_only_the_guilds_intent() -> None:
    chosen = intents()
    assert chosen.value == discord.Intents(guilds=True).value
    assert not chosen.message_content and not chosen.members and not chosen.presences


def test_bot_wide_settings(bot: FAQBot) -> None:
    assert bot.allowed_mentions is not None and bot.allowed_mentions.to_dict() == {"parse": []}
    assert bot.command_prefix == () and bot.help_command is None
    assert bot.intents.value == intents().value


def test_sharding_follows_the_settings(small_engine: Engine) -> None:
    plain = create_bot(make_settings(small_engine.faq.folder), small_engine)
    assert type(plain) is FAQBot
    sharded = create_bot(make_settings(small_engine.faq.folder, shard_count=4, shard_ids=(1, 3)), small_engine)
    assert isinstance(sharded, ShardedFAQBot) and isinstance(sharded, discord.AutoShardedClient)
    assert sharded.shard_count == 4 and sharded.shard_ids == [1, 3]
    every = create_bot(make_settings(small_engine.faq.folder, shard_count=2), small_engine)
    assert isinstance(every, ShardedFAQBot) and every.shard_ids is None


async def test_setup_hook_adds_the_commands_components_and_translator(bot: FAQBot) -> None:
    await bot.setup_hook()
    names = sorted(c.qualified_name for c in bot.tree.walk_commands())
    assert names == ["ask", "faq", "faq reload", "faq show", "faq topics"]
    assert isinstance(bot.tree.translator, PackTranslator)
    assert set(bot._connection._view_store._dynamic_items.values()) == set(DYNAMIC_ITEMS)
    assert not list(bot.walk_commands()), "no prefix commands"


async def sync_payload(bot: FAQBot) -> list[dict]:
    """What ``faqbot sync`` sends Discord."""
    await bot.setup_hook()
    translator = bot.tree.translator
    assert translator is not None
    return [await c.get_translated_payload(bot.tree, translator) for c in bot.tree.get_commands()]


async def test_descriptions_come_from_the_language_packs(bot: FAQBot) -> None:
    faq = bot.engine.faq
    descriptions: list[tuple[str, dict]] = []
    for command in await sync_payload(bot):
        descriptions.append((command["description"], command["description_localizations"]))
        for option in command.get("options", []):
            descriptions.append((option["description"], option["description_localizations"]))
            descriptions += [(o["description"], o["description_localizations"]) for o in option.get("options", [])]
    assert len(descriptions) == 9
    english = {v: k for k, v in faq.languages["en"].messages.items()}
    for default, localized in descriptions:
        key = english[default]
        assert localized["en-US"] == localized["en-GB"] == default, "code defaults match the English pack"
        assert localized["es-ES"] == localized["es-419"] == faq.message(key, "es")
        assert "fr" not in localized and "de" not in localized
        assert all(len(text) <= 100 for text in localized.values())


async def test_names_are_not_translated_and_reload_has_no_default_permissions(bot: FAQBot) -> None:
    """Names are fixed (the packs say "/faq topics"); Discord has no per-subcommand default permissions."""
    payload = await sync_payload(bot)
    assert [c["name"] for c in payload] == ["ask", "faq"]
    assert all(not c.get("name_localizations") for c in payload)
    assert all(c["default_member_permissions"] is None for c in payload)


async def test_translator_ignores_strings_without_a_key(bot: FAQBot) -> None:
    translator = PackTranslator(bot)
    context = app_commands.TranslationContext(app_commands.TranslationContextLocation.other, None)
    assert await translator.translate(app_commands.locale_str("plain"), discord.Locale.spain_spanish, context) is None
    keyed = app_commands.locale_str("x", key="command_faq")
    assert (
        await translator.translate(keyed, discord.Locale.latin_american_spanish, context)
        == "Explorar las preguntas frecuentes"
    )


def test_describe_synced() -> None:
    state = object()
    ask = app_commands.AppCommand(
        data={"id": "1", "application_id": "2", "name": "ask", "description": "d", "type": 1, "options": []},
        state=state,
    )  # type: ignore[arg-type]
    faq_data = {
        "id": "3",
        "application_id": "2",
        "name": "faq",
        "description": "d",
        "type": 1,
        "options": [{"type": 1, "name": n, "description": "d"} for n in ("topics", "show", "reload")],
    }
    faq = app_commands.AppCommand(data=faq_data, state=state)  # type: ignore[arg-type]
    assert describe_synced([ask, faq]) == ["/ask", "/faq topics", "/faq show", "/faq reload"]


# --- logs ---------------------------------------------------------------------------


def test_redact_masks_ids_and_tokens() -> None:
    token = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz12"
    interaction_token = "aW50ZXJhY3Rpb246MTIzNDU2Nzg5MDEyMzQ1Njc4OnRva2VuLXRleHQtaGVyZQ"
    text = f"user 987654321098765432 in /interactions/1234567890123456789/{interaction_token}/callback {token}"
    assert redact(text) == "user <id> in /interactions/<id>/<redacted>/callback <redacted>"
    assert redact("shard 0 took 1234 ms; discord.app_commands.errors.CommandInvokeError") == (
        "shard 0 took 1234 ms; discord.app_commands.errors.CommandInvokeError"
    )


def test_discord_payload_logs_are_summarised(caplog: pytest.LogCaptureFixture, small_engine: Engine) -> None:
    make_bot(small_engine)
    protect_discord_loggers()
    caplog.set_level(logging.DEBUG)
    event = {"op": 0, "t": "INTERACTION_CREATE", "s": 3, "d": {"member": {"user": {"id": "987654321098765432"}}}}
    logging.getLogger("discord.gateway").debug("For Shard ID %s: WebSocket Event: %s", None, event)
    body = '{"data": {"options": [{"value": "my sister Dolores was taken"}]}}'
    logging.getLogger("discord.http").debug("%s %s with %s has returned %s", "POST", "https://x/api", body, 204)
    try:
        raise ValueError("987654321098765432")
    except ValueError:
        logging.getLogger("discord.client").exception("Ignoring exception in %s", "on_interaction")
    text = caplog.text
    assert "INTERACTION_CREATE" in text and "<payload of" in text
    assert "Dolores" not in text and "987654321098765432" not in text


def test_the_filter_never_drops_a_record() -> None:
    record = logging.LogRecord("discord.http", logging.INFO, __file__, 1, "%s", ("ok",), None)
    assert RedactingFilter().filter(record) and record.getMessage() == "ok"
