"""/faq topics, /faq show, /faq reload, and the buttons and menus they send."""

from __future__ import annotations

import asyncio
from pathlib import Path

import discord
import pytest
import yaml

from bot.client import FAQBot
from bot.cogs.faq import FAQCog, entry_choices
from bot.engine import Engine
from bot.views import BrowseTopicsButton, NavButton
from tests.cogs.conftest import GUILD_ID, MOD_ROLE, FakeInteraction, click, invoke, make_bot
from tests.conftest import entry, ftca_entry, set_spanish_message

MANAGE = discord.Permissions(manage_guild=True)
MEMBER = discord.Permissions(send_messages=True, use_application_commands=True)


async def run(cog: FAQCog, name: str, **kwargs: object) -> FakeInteraction:
    """Run ``/faq <name>`` as a member; keyword arguments not naming an option shape the interaction."""
    option_names = {"entry"}
    options = {k: kwargs.pop(k) for k in list(kwargs) if k in option_names}
    interaction = FakeInteraction(cog.bot, **kwargs)  # type: ignore[arg-type]
    await invoke(getattr(FAQCog, name), cog, interaction, **options)
    return interaction


# --- /faq topics and the browser ---------------------------------------------


async def test_topics_lists_the_topics_that_have_entries(faq_cog: FAQCog, small_engine: Engine) -> None:
    reply = (await run(faq_cog, "topics")).reply
    assert reply.ephemeral and reply.embed["title"] == small_engine.faq.message("topics_title")
    select = reply.component("faq:topic:en")
    assert [(o["label"], o["value"]) for o in select["options"]] == [
        ("Detainers (ICE holds)", "detainers"),
        ("Suing ICE and its agents", "suing-ice"),
    ]


async def test_topics_in_spanish(faq_cog: FAQCog) -> None:
    reply = (await run(faq_cog, "topics", locale="es-419")).reply
    assert reply.embed["title"] == "Temas"
    assert reply.component("faq:topic:es")["options"][0]["label"] == "Órdenes de retención (detainers)"


async def test_choosing_a_topic_lists_its_questions_in_place(bot: FAQBot, small_engine: Engine) -> None:
    reply = (await click(bot, "faq:topic:en", values=["suing-ice"])).reply
    assert reply.kind == "edit" and reply.embed["title"] == "Suing ICE and its agents"
    assert small_engine.faq.by_id["ftca-vs-personal-suit"].question in reply.embed["description"]
    assert [o["value"] for o in reply.component("faq:entry:en")["options"]] == ["ftca-vs-personal-suit"]
    assert reply.custom_ids() == ["faq:entry:en", "faq:nav:en::0"]
    back = (await click(bot, "faq:nav:en::0", label="All topics")).reply
    assert back.kind == "edit" and "faq:topic:en" in back.custom_ids()


async def test_choosing_a_question_shows_it_privately_without_recording(bot: FAQBot, small_engine: Engine) -> None:
    reply = (await click(bot, "faq:entry:es", values=["ftca-vs-personal-suit"])).reply
    assert reply.kind == "response" and reply.ephemeral
    assert reply.embed["title"] == small_engine.faq.by_id["ftca-vs-personal-suit"].text("es").question
    assert not [e for e in bot.log if isinstance(e, tuple)]


async def test_a_topic_with_more_than_25_questions_is_paginated(make_faq) -> None:
    entries = [entry(f"detainer-question-{i}", question=f"Detainer question number {i}?") for i in range(30)]
    bot = make_bot(Engine.load(make_faq({"many.yaml": entries})))
    first = (await click(bot, "faq:topic:en", values=["detainers"])).reply
    assert len(first.component("faq:entry:en")["options"]) == 25
    assert first.component("faq:nav:en:detainers:0")["disabled"] is True
    assert first.component("faq:nav:en:detainers:1")["disabled"] is False
    assert "Page 1 of 2" in first.embed["description"]
    second = (await click(bot, "faq:nav:en:detainers:1", label="Next")).reply
    assert [o["value"] for o in second.component("faq:entry:en")["options"]] == [
        f"detainer-question-{i}" for i in range(25, 30)
    ]
    assert second.component("faq:nav:en:detainers:1")["disabled"] is True
    assert "Page 2 of 2" in second.embed["description"]
    beyond = (await click(bot, "faq:nav:en:detainers:9", label="Next")).reply
    assert "Page 2 of 2" in beyond.embed["description"]


async def test_browse_topics_button_opens_a_private_browser(bot: FAQBot) -> None:
    reply = (await click(bot, "faq:topics:es", label="Ver los temas")).reply
    assert reply.kind == "response" and reply.ephemeral and reply.embed["title"] == "Temas"


# --- "did you mean" buttons ---------------------------------------------------


async def test_did_you_mean_shows_the_entry_in_the_language_of_the_clicked_question(
    bot: FAQBot, small_engine: Engine
) -> None:
    spanish = small_engine.faq.by_id["ftca-vs-personal-suit"].text("es").question
    interaction = await click(bot, "faq:show:ftca-vs-personal-suit", label=spanish, locale="en-US")
    assert interaction.reply.ephemeral and interaction.reply.embed["title"] == spanish
    reply, (marker, event, guild_id, answer, locale) = bot.log
    assert reply is interaction.reply
    assert (marker, event, guild_id, answer.entry_id, locale) == (
        "dispatch",
        "faq_answer",
        GUILD_ID,
        "ftca-vs-personal-suit",
        discord.Locale.american_english,
    )


async def test_did_you_mean_falls_back_to_the_members_locale(bot: FAQBot, small_engine: Engine) -> None:
    interaction = await click(bot, "faq:show:ftca-vs-personal-suit", label="FTCA", locale="es-ES")
    assert interaction.reply.embed["title"] == small_engine.faq.by_id["ftca-vs-personal-suit"].text("es").question


async def test_a_button_for_a_removed_entry_says_so(bot: FAQBot, small_engine: Engine) -> None:
    interaction = await click(bot, "faq:show:gone-since-reload", label="Old question")
    assert interaction.reply.content == small_engine.faq.message("no_such_entry")
    assert not [e for e in bot.log if isinstance(e, tuple)]


# --- /faq show ---------------------------------------------------------------------


async def test_show_a_known_entry(faq_cog: FAQCog, small_engine: Engine) -> None:
    reply = (await run(faq_cog, "show", entry="detainer-is-request")).reply
    assert reply.ephemeral and reply.embed["title"] == small_engine.faq.by_id["detainer-is-request"].question


async def test_show_an_unknown_id_suggests_close_entries(faq_cog: FAQCog, small_engine: Engine) -> None:
    reply = (await run(faq_cog, "show", entry="ice hold mandatory")).reply
    assert reply.ephemeral and reply.content == small_engine.faq.message("no_such_entry")
    assert reply.custom_ids() == ["faq:show:detainer-is-request"]
    nothing = (await run(faq_cog, "show", entry="zzzz")).reply
    assert nothing.content == small_engine.faq.message("no_such_entry") and nothing.components == []


async def test_show_autocomplete_by_id_and_question(faq_cog: FAQCog, shipped_engine: Engine) -> None:
    small = [c.value for c in entry_choices(faq_cog.bot.engine, "ftca", "en")]
    assert small[0] == "ftca-vs-personal-suit"
    for typed in ("", "ice", "detainer", "x" * 300):
        for lang in shipped_engine.faq.languages:
            choices = entry_choices(shipped_engine, typed, lang)
            assert len(choices) <= 25 and all(
                len(c.name) <= 100 and c.value in shipped_engine.faq.by_id for c in choices
            )


# --- /faq reload ---------------------------------------------------------------------


def _write(folder: Path, name: str, entries: list[dict]) -> None:
    """Replace an entry file of a FAQ folder."""
    (folder / name).write_text(yaml.safe_dump({"entries": entries}, allow_unicode=True), encoding="utf-8")


@pytest.mark.parametrize(
    "who",
    [
        {"permissions": MEMBER},
        {"permissions": MEMBER, "roles": (MOD_ROLE + 1,)},
        {"permissions": MEMBER, "guild_id": None},
    ],
    ids=["member", "member-with-other-role", "direct-message"],
)
async def test_reload_refuses_non_moderators(small_engine: Engine, who: dict, monkeypatch) -> None:
    """Even where a server overrode the default permissions so members see /faq reload."""
    bot = make_bot(small_engine, moderator_role_ids=frozenset({MOD_ROLE}))
    monkeypatch.setattr(Engine, "load", lambda *a, **k: pytest.fail("nothing may be reloaded"))
    interaction = await run(FAQCog(bot), "reload", **who)
    assert interaction.reply.ephemeral and interaction.reply.content == small_engine.faq.message("not_moderator")
    assert bot.engine is small_engine


@pytest.mark.parametrize("who", [{"permissions": MANAGE}, {"roles": (MOD_ROLE,)}], ids=["manage-server", "mod-role"])
async def test_moderators_reload(small_engine: Engine, who: dict) -> None:
    bot = make_bot(small_engine, moderator_role_ids=frozenset({MOD_ROLE}))
    interaction = await run(FAQCog(bot), "reload", **who)
    defer, reply = interaction.sent
    assert defer.kind == "defer" and defer.ephemeral
    assert reply.kind == "followup" and reply.ephemeral
    assert reply.content.splitlines() == [
        "FAQ reloaded: 2 entries are live.",
        "No entry was added, changed or removed.",
    ]
    assert bot.engine is not small_engine


async def test_reload_reports_added_changed_and_removed(small_engine: Engine) -> None:
    bot = make_bot(small_engine)
    folder = small_engine.faq.folder
    changed = entry(answer="A reviewed fact-check found that ICE detainers are requests, not orders.")
    _write(folder, "main.yaml", [changed, entry("new-detainer-entry", question="Can a jail hold me for ICE?")])
    interaction = await run(FAQCog(bot), "reload", permissions=MANAGE, locale="en-GB")
    assert interaction.reply.content.splitlines() == [
        "FAQ reloaded: 2 entries are live.",
        "Added (1): new-detainer-entry",
        "Changed (1): detainer-is-request",
        "Removed (1): ftca-vs-personal-suit",
    ]
    assert set(bot.engine.faq.by_id) == {"detainer-is-request", "new-detainer-entry"}


async def test_reload_reply_in_spanish(small_engine: Engine) -> None:
    bot = make_bot(small_engine)
    interaction = await run(FAQCog(bot), "reload", permissions=MANAGE, locale="es-ES")
    assert interaction.reply.content.startswith("Preguntas recargadas: 2 entradas activas.")


async def test_a_broken_faq_is_not_loaded_and_every_problem_is_listed(small_engine: Engine) -> None:
    bot = make_bot(small_engine)
    folder = small_engine.faq.folder
    _write(folder, "main.yaml", [entry(id="Bad Id"), ftca_entry(), entry("no-quote", citations=[])])
    (folder / "broken.yaml").write_text("entries: [unclosed\n", encoding="utf-8")
    interaction = await run(FAQCog(bot), "reload", permissions=MANAGE)
    content = interaction.reply.content
    assert bot.engine is small_engine, "the old FAQ stays live"
    assert content.startswith(small_engine.faq.message("reload_failed").format(count=3))
    assert "faq/broken.yaml:" in content
    assert "faq/main.yaml:" in content and "[Bad Id] 'id' must be a slug" in content
    assert "[no-quote] 'citations' must be a non-empty list" in content
    assert str(folder.parent) not in content, "paths are shown relative to the FAQ folder"
    assert len(content) <= 2000


async def test_a_pack_with_a_bad_command_name_is_not_reloaded(small_engine: Engine) -> None:
    """The reply names the pack, its line and the key; the FAQ already live keeps answering."""
    bot = make_bot(small_engine)
    path = set_spanish_message(small_engine.faq.folder, "command_faq_show_name", "temas")
    line = next(n for n, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if "show_name:" in text)
    interaction = await run(FAQCog(bot), "reload", permissions=MANAGE)
    assert bot.engine is small_engine, "the old FAQ stays live"
    assert interaction.reply.content.splitlines()[:3] == [
        small_engine.faq.message("reload_failed").format(count=1),
        "```",
        f"faq/languages/es.yaml:{line} message 'command_faq_show_name': 'temas' is also the name of "
        "message 'command_faq_topics_name'; names beside each other must differ",
    ]


async def test_many_problems_are_clipped_to_one_message(small_engine: Engine) -> None:
    bot = make_bot(small_engine)
    folder = small_engine.faq.folder
    _write(folder, "main.yaml", [entry(f"bad-{i}", question="x" * 200, answer="y" * 700) for i in range(60)])
    interaction = await run(FAQCog(bot), "reload", permissions=MANAGE)
    content = interaction.reply.content
    assert len(content) <= 2000 and "more (run faqbot check to see them all)" in content
    assert bot.engine is small_engine


async def test_concurrent_reloads_run_one_at_a_time(small_engine: Engine, monkeypatch) -> None:
    bot = make_bot(small_engine)
    loads: list[int] = []
    monkeypatch.setattr(Engine, "load", lambda *a, **k: loads.append(1) or small_engine)
    async with bot.reload_lock:
        waiting = asyncio.create_task(run(FAQCog(bot), "reload", permissions=MANAGE))
        done, _ = await asyncio.wait({waiting}, timeout=0.2)
        assert not done and loads == [], "a second reload waits for the first"
    await waiting
    assert loads == [1]


def test_component_ids_accept_any_language_pack_code() -> None:
    for item in (BrowseTopicsButton("pt-br", "Ver"), NavButton("pt-br", "detainers", 3, "Próxima")):
        assert item.template.fullmatch(item.custom_id) and len(item.custom_id) <= 100
