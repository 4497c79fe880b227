"""Every reply fits Discord's limits, for EVERY entry of the shipped FAQ, in each language."""

from __future__ import annotations

import dataclasses
from typing import Any

import discord
import pytest

from bot.answer import EMBED_LIMITS, Answer, build_answer, embed_length, render_embed
from bot.cogs.ask import choice_value, question_choices
from bot.cogs.faq import entry_choices
from bot.config import REFERRAL_MAX
from bot.engine import Engine
from bot.matcher import Candidate, Match
from bot.views import BUTTON_LABEL_MAX, ShowEntryButton, answer_view, entries_by_topic, entries_message, topics_message

CUSTOM_ID_MAX = 100
OPTION_MAX = 100
SELECT_OPTIONS_MAX = 25
ROWS_MAX = 5


def assert_embed_fits(embed: dict[str, Any]) -> None:
    """Discord's embed limits, and that discord.py builds the same embed from the dict."""
    assert 0 < len(embed["title"]) <= EMBED_LIMITS["title"]
    assert len(embed["description"]) <= EMBED_LIMITS["description"]
    assert len(embed.get("fields", [])) <= 25
    for field in embed.get("fields", []):
        assert 0 < len(field["name"]) <= EMBED_LIMITS["field_name"]
        assert 0 < len(field["value"]) <= EMBED_LIMITS["field_value"]
    assert len(embed.get("footer", {}).get("text", "")) <= EMBED_LIMITS["footer"]
    assert embed_length(embed) <= EMBED_LIMITS["total"]
    built = discord.Embed.from_dict(embed)
    assert len(built) == embed_length(embed) and built.to_dict()["title"] == embed["title"]


def assert_components_fit(view: discord.ui.View | None) -> None:
    """Rows, custom_ids, labels and options within Discord's limits."""
    if view is None:
        return
    rows = view.to_components()
    assert len(rows) <= ROWS_MAX
    for row in rows:
        for component in row["components"]:
            assert len(component.get("custom_id", "")) <= CUSTOM_ID_MAX
            assert len(component.get("label", "")) <= BUTTON_LABEL_MAX
            assert len(component.get("placeholder", "")) <= 150
            options = component.get("options", [])
            assert len(options) <= SELECT_OPTIONS_MAX
            for option in options:
                assert 0 < len(option["label"]) <= OPTION_MAX and 0 < len(option["value"]) <= OPTION_MAX


def worst_case(answer: Answer) -> Answer:
    """The same answer, also personal and truncated, with the longest referral a server may set."""
    return dataclasses.replace(answer, personal=True, truncated=True, referral="r" * REFERRAL_MAX)


def languages(engine: Engine) -> list[str]:
    return list(engine.faq.languages)


def test_the_shipped_faq_has_entries_in_every_language(shipped_engine: Engine) -> None:
    assert len(shipped_engine.faq.entries) >= 2 and set(languages(shipped_engine)) >= {"en", "es"}


async def test_every_answer_fits(shipped_engine: Engine) -> None:
    for entry in shipped_engine.faq.entries:
        for lang in languages(shipped_engine):
            answer = shipped_engine.show(entry.id, lang=lang)
            assert answer is not None
            for variant in (answer, worst_case(answer)):
                assert_embed_fits(render_embed(variant))
            assert answer_view(shipped_engine, answer) is None


async def test_every_did_you_mean_fits(shipped_engine: Engine) -> None:
    """Each entry offered as a suggestion, next to the two longest questions, in each language."""
    faq = shipped_engine.faq
    for lang in languages(shipped_engine):
        longest = sorted(faq.entries, key=lambda e: -len(e.text(lang).question))[:2]
        for entry in faq.entries:
            chosen = [entry, *(e for e in longest if e.id != entry.id)][:3]
            candidates = tuple(Candidate(e.id, 70.0, lang) for e in chosen)
            answer = build_answer(faq, Match("suggest", "q", False, "q", candidates), lang, "r" * REFERRAL_MAX)
            assert_embed_fits(render_embed(worst_case(answer)))
            assert_components_fit(answer_view(shipped_engine, answer))
            button = ShowEntryButton(entry.id, entry.text(lang).question).to_component_dict()
            assert len(button["label"]) <= BUTTON_LABEL_MAX and len(button["custom_id"]) <= CUSTOM_ID_MAX


async def test_no_match_fits(shipped_engine: Engine) -> None:
    for lang in languages(shipped_engine):
        answer = shipped_engine.ask("qqqq zzzz", lang=lang, referral="r" * REFERRAL_MAX)
        assert answer.status == "none"
        assert_embed_fits(render_embed(worst_case(answer)))
        assert_components_fit(answer_view(shipped_engine, answer))


async def test_every_autocomplete_fits(shipped_engine: Engine) -> None:
    """Typing any question of the FAQ (or a long text) gives at most 25 choices within 100 characters."""
    faq = shipped_engine.faq
    for lang in languages(shipped_engine):
        typed = ["", "x" * 6000, *(e.text(lang).question for e in faq.entries)]
        for text in typed:
            for choices in (question_choices(shipped_engine, text, lang), entry_choices(shipped_engine, text, lang)):
                assert len(choices) <= 25
                for choice in choices:
                    assert 0 < len(choice.name) <= 100 and 0 < len(choice.value) <= 100
        for entry in faq.entries:
            offered = [c.value for c in question_choices(shipped_engine, entry.text(lang).question, lang)]
            assert choice_value(entry.text(lang).question) in offered[:3], (entry.id, lang)


async def test_every_browser_page_fits(shipped_engine: Engine) -> None:
    faq = shipped_engine.faq
    for lang in languages(shipped_engine):
        embed, view = topics_message(shipped_engine, lang)
        assert_embed_fits({**embed.to_dict(), "fields": []})
        assert_components_fit(view)
        for slug, entries in entries_by_topic(faq).items():
            for page in range(-(-len(entries) // 25)):
                embed, view = entries_message(shipped_engine, lang, slug, page)
                assert_embed_fits({**embed.to_dict(), "fields": []})
                assert_components_fit(view)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_pack_texts_fit_where_they_are_shown(shipped_engine: Engine, lang: str) -> None:
    messages = shipped_engine.faq.languages[lang].messages
    for key, text in messages.items():
        if key.startswith(("command_", "option_")):
            assert len(text) <= 100, key
        if key.startswith("button_"):
            assert len(text) <= BUTTON_LABEL_MAX, key
        if key.startswith("select_"):
            assert len(text) <= 150, key
        assert len(text) <= 1000, key
