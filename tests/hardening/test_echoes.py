"""Echoes are neutralised on what the bot ACTUALLY posts to (fake) Discord.

Questions carrying mention bombs, masked links and markdown go through the real
client to the loopback fake, for every decision (answer, suggest, none, and a
personal question) and through autocomplete. Each callback the fake received
must forbid every mention (``allowed_mentions: {"parse": []}``) and contain no
piece of the member's markup anywhere: embeds, content, components, choices.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from bot.client import FAQBot
from bot.cogs.ask import CHOICE_MAX, choice_value
from bot.faq import FAQ
from tests.conftest import ask
from tests.fakediscord import FakeDiscord
from tests.hardening.conftest import (
    DANGEROUS,
    EPHEMERAL,
    GUILD,
    TIMEOUT,
    USER_ID,
    assert_choices_fit,
    assert_payload_fits,
    record,
    strings_in,
)

pytestmark = pytest.mark.fakediscord(guilds=[GUILD])

MARKUP = re.compile(
    r"\*\*[^*]+\*\*|\|\|[^|]+\|\||```[^`]*```|~~[^~]+~~|^#+ .*|^> .*"
    r"|\[[^\]]+\]\([^)]+\)|<[@#][!&]?\d+>|@everyone|@here",
    re.MULTILINE,
)
"""The member's markup: bold, spoilers, code blocks, strike, headings, quotes, masked links, mentions."""

# (question, decision, personal, locale)
CASES = [
    ("~~is an ice hold mandatory~~ @here", "answer", False, "en-US"),
    ("> is an ice hold mandatory", "answer", False, "en-US"),
    ("tort claim? ```rm -rf```", "answer", False, "en-US"),
    ("# ¿es obligatoria la orden de retención? @everyone", "answer", False, "es-ES"),
    ("**ice hold** @everyone", "answer", False, "en-US"),
    ("||tort claim|| <@123456789012345678>", "answer", False, "en-US"),
    ("[is an ice hold mandatory](https://evil.example)", "answer", False, "en-US"),
    ("# claim", "suggest", False, "en-US"),
    ("<@&234567890123456789> [click](https://evil.example) ||weather|| ```today```", "none", False, "en-US"),
    ("[claim](https://evil.example)", "suggest", False, "en-US"),
    ("**my brother was detained, is an ice hold an order** @everyone", "answer", True, "en-US"),
    ("**my brother was detained, ice hold or tort claim?** @everyone", "suggest", True, "en-US"),
    ("my son was arrested @everyone", "none", True, "en-US"),
    ("**mi hermano fue detenido** <@123456789012345678>", "none", True, "es-ES"),
]


def assert_mentions_nobody(data: dict[str, Any]) -> None:
    """``allowed_mentions`` forbids everything: nobody, no role, no @everyone, no reply ping."""
    allowed = data["allowed_mentions"]
    assert allowed.get("parse") == [] and not allowed.get("users") and not allowed.get("roles"), allowed
    assert not allowed.get("replied_user")


def assert_member_markup_absent(data: Any, question: str) -> None:
    """Neither the question nor any markup, mention or link from it appears in any string of ``data``."""
    text = "\n".join(strings_in(data))
    assert question not in text
    for piece in MARKUP.findall(question):
        assert piece not in text, piece
    for fragment in DANGEROUS:
        assert fragment not in text, fragment


def decision_of(faq: FAQ, embed: dict[str, Any], lang: str) -> str:
    if embed["title"] == faq.message("no_match", lang):
        return "none"
    if embed["title"] == faq.message("suggest_intro", lang):
        return "suggest"
    assert embed["title"] in {e.text(lang).question for e in faq.entries}, embed["title"]
    return "answer"


@pytest.mark.parametrize("public", [False, True], ids=["private", "public"])
async def test_ask_posts_no_mention_and_no_member_markup(
    fake_discord: FakeDiscord, live_bot: FAQBot, public: bool
) -> None:
    faq = live_bot.engine.faq
    decisions: dict[str, int] = {}
    for question, decision, personal, locale in CASES:
        body = await ask(fake_discord, question, public=public, locale=locale)
        assert body["type"] == 4
        data = body["data"]
        # A personal question is always answered privately (see bot/cogs/ask.py visibility).
        assert bool(data.get("flags", 0) & EPHEMERAL) is (personal or not public)
        assert_mentions_nobody(data)
        assert_payload_fits(data)
        assert_member_markup_absent(data, question)
        lang = "es" if locale.startswith("es") else "en"
        (embed,) = data["embeds"]
        assert decision_of(faq, embed, lang) == decision, question
        assert embed["description"].startswith("⚠️ **") is personal, question
        for button in (c for row in data.get("components") or [] for c in row["components"]):
            assert button["custom_id"].startswith(("faq:show:", "faq:topics:"))
        key = f"{decision}{'+personal' if personal else ''}"
        decisions[key] = decisions.get(key, 0) + 1
    # Every message the fake stored for these interactions, as Discord would show it.
    for message in fake_discord.messages.values():
        shown = {k: message.get(k) for k in ("content", "embeds", "components")}
        for question, *_ in CASES:
            assert_member_markup_absent(shown, question)
    record(f"echo /ask live ({'public' if public else 'private'})", questions=len(CASES), **decisions)
    fake_discord.assert_no_unknown_requests()


async def test_autocomplete_offers_only_faq_questions(fake_discord: FakeDiscord, live_bot: FAQBot) -> None:
    faq = live_bot.engine.faq
    questions = {e.text(lang).question for e in faq.entries for lang in faq.languages}
    values = {choice_value(q) for q in questions}
    names = questions | {q[: CHOICE_MAX - 1].rstrip() + "…" for q in questions}
    typed = [question for question, *_ in CASES] + ["@everyone", "<@&234567890123456789> ice", "**tort", "[ftca](http"]
    offered = 0
    for text in typed:
        payload = fake_discord.autocomplete("ask", {"question": text}, focused="question", user_id=USER_ID)
        body = await fake_discord.interact(payload, TIMEOUT)
        assert body["type"] == 8
        choices = body["data"]["choices"]
        assert_choices_fit(choices)
        assert_member_markup_absent(body["data"], text)
        for choice in choices:
            assert choice["name"] in names and choice["value"] in values, choice
        offered += len(choices)
    record("echo autocomplete live", typed=len(typed), choices=offered)


async def test_faq_show_with_hostile_text_echoes_nothing(fake_discord: FakeDiscord, live_bot: FAQBot) -> None:
    for text, *_ in CASES:
        payload = fake_discord.slash_command("faq", {"entry": text}, subcommand="show", user_id=USER_ID)
        data = (await fake_discord.interact(payload, TIMEOUT))["data"]
        assert data["content"] == live_bot.engine.faq.message("no_such_entry")
        assert_mentions_nobody(data)
        assert_payload_fits(data)
        assert_member_markup_absent(data, text)
