"""The client: intents, sharding, set-up, the translator, and logs that cannot identify anyone."""

from __future__ import annotations

import logging
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import discord
import pytest
from discord import app_commands

from bot.client import FAQBot, PackTranslator, ShardedFAQBot, create_bot, describe_synced, intents
from bot.cogs import named
from bot.engine import Engine
from bot.faq import COMMAND_NAME_LEVELS
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


def localized_names(command: dict, path: tuple[str, ...] = ()) -> dict[tuple[str, ...], dict[str, str]]:
    """Each command and option of a sync payload, by its path of English names, with its ``name_localizations``."""
    here = (*path, command["name"])
    found = {here: command.get("name_localizations") or {}}
    for option in command.get("options", []):
        found.update(localized_names(option, here))
    return found


async def test_names_come_from_the_language_packs(bot: FAQBot) -> None:
    """Every command, subcommand and option name is localized from the packs; English stays the default."""
    names: dict[tuple[str, ...], dict[str, str]] = {}
    for command in await sync_payload(bot):
        names.update(localized_names(command))
    assert {path: (n["es-ES"], n["es-419"]) for path, n in names.items()} == {
        ("ask",): ("preguntar",) * 2,
        ("ask", "question"): ("pregunta",) * 2,
        ("ask", "public"): ("publicar",) * 2,
        ("ask", "language"): ("idioma",) * 2,
        ("faq",): ("preguntas-frecuentes",) * 2,
        ("faq", "topics"): ("temas",) * 2,
        ("faq", "show"): ("mostrar",) * 2,
        ("faq", "show", "entry"): ("entrada",) * 2,
        ("faq", "reload"): ("recargar",) * 2,
    }
    for path, localized in names.items():
        assert localized["en-US"] == localized["en-GB"] == path[-1], "code defaults match the English pack"
        assert set(localized) == {"en-US", "en-GB", "es-ES", "es-419"}, "no pack, no name: Discord shows English"


async def test_reload_has_no_default_permissions(bot: FAQBot) -> None:
    """Discord has no per-subcommand default permissions: hiding /faq would hide /faq topics (see bot/cogs/faq.py)."""
    payload = await sync_payload(bot)
    assert [c["name"] for c in payload] == ["ask", "faq"]
    assert all(c["default_member_permissions"] is None for c in payload)


def name_levels(siblings: list[Any]) -> set[tuple[frozenset[str], frozenset[str]]]:
    """``(pack keys, untranslated names)`` of each set of siblings in a command tree that has a translated name."""
    keyed = {c.name: c.extras["key"] for c in siblings if "key" in c.extras}
    untranslated = frozenset(c.name for c in siblings if c.name not in keyed)
    levels = {(frozenset(keyed.values()), untranslated)} if keyed else set()
    for child in siblings:
        levels |= name_levels(child.children)
    return levels


def name_tree(command: app_commands.Command[Any, ..., Any] | app_commands.Group) -> SimpleNamespace:
    """A command or group as ``name``, the ``extras`` of its translatable name, and ``children`` (options too)."""
    if isinstance(command, app_commands.Group):
        children = [name_tree(c) for c in command.commands]
    else:
        children = [
            SimpleNamespace(name=p.name, extras=p.locale_name.extras if p.locale_name else {}, children=[])
            for p in command.parameters
        ]
    locale_name = command._locale_name
    return SimpleNamespace(name=command.name, extras=locale_name.extras if locale_name else {}, children=children)


async def test_the_loaders_table_of_names_matches_the_command_tree(small_engine: Engine, tmp_path: Path) -> None:
    """bot.faq.COMMAND_NAME_LEVELS, which the loader checks packs against, is the real tree (insights on)."""
    bot = make_bot(small_engine, insights_db=tmp_path / "insights.db")
    await bot.setup_hook()
    try:
        assert bot.insights is not None and bot.get_cog("InsightsCog") is not None
        tree = [name_tree(c) for c in bot.tree.get_commands()]
        assert name_levels(tree) == {(frozenset(keys), untranslated) for keys, untranslated in COMMAND_NAME_LEVELS}
    finally:
        await bot.close()


async def test_translator_gives_names_options_and_choices_from_the_pack(bot: FAQBot) -> None:
    translator = PackTranslator(bot)
    await bot.setup_hook()
    ask = bot.tree.get_command("ask")
    faq = bot.tree.get_command("faq")
    assert isinstance(ask, app_commands.Command) and isinstance(faq, app_commands.Group)
    spanish = discord.Locale.latin_american_spanish
    where = app_commands.TranslationContextLocation
    cases = [
        (named("command_ask_name", "ask"), app_commands.TranslationContext(where.command_name, ask), "preguntar"),
        (
            named("command_faq_name", "faq"),
            app_commands.TranslationContext(where.group_name, faq),
            "preguntas-frecuentes",
        ),
        (
            named("option_ask_public_name", "public"),
            app_commands.TranslationContext(where.parameter_name, ask.parameters[1]),
            "publicar",
        ),
    ]
    for string, context, expected in cases:
        assert await translator.translate(string, spanish, context) == expected
        assert await translator.translate(string, discord.Locale.american_english, context) == string.message
        assert await translator.translate(string, discord.Locale.french, context) is None, "no pack for French"
    choice = app_commands.Choice(name=named("option_ask_language_name", "language"), value="x")
    payload = await choice.get_translated_payload(translator)
    assert payload["name_localizations"]["es-ES"] == "idioma" and "fr" not in payload["name_localizations"]
    unknown = named("command_faq_stats_name", "stats")
    context = app_commands.TranslationContext(where.command_name, None)
    assert await translator.translate(unknown, spanish, context) is None, "a key no pack has keeps the default"


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
