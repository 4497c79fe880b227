"""The Answer value and its three renderers: text, JSON and Discord embed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.answer import (
    EMBED_LIMITS,
    build_answer,
    embed_length,
    is_personal,
    local_date,
    render_embed,
    render_text,
    to_json,
)
from bot.engine import Engine
from bot.evaluate import load_labelled
from bot.faq import combine_patterns
from bot.matcher import Candidate, Match
from bot.text import simplify
from tests.conftest import DETAINER_QUOTE

DATA = Path(__file__).parent / "data"

JSON_KEYS = {
    "status",
    "question",
    "id",
    "score",
    "answer",
    "citations",
    "suggestions",
    "personal",
    "disclaimer",
    "lang",
    "not_covered",
}


@pytest.mark.parametrize(
    "question",
    [
        "I was detained by ICE yesterday",
        "my husband has an ICE hold",
        "They arrested me at the courthouse",
        "what do I do, my A-number is A123456789",
        "me detuvieron en la corte",
        "mi esposo tiene un hold de ICE",
        "estoy detenido en la cárcel del condado",
    ],
)
def test_personal_situations_are_detected(small_engine: Engine, question: str) -> None:
    assert is_personal(small_engine.faq, question)


@pytest.mark.parametrize(
    "question",
    [
        "is an ice hold mandatory",
        "can police refuse ICE detainers",
        "what is 287(g)",
        "¿qué es una jurisdicción santuario?",
    ],
)
def test_general_questions_are_not_personal(small_engine: Engine, question: str) -> None:
    assert not is_personal(small_engine.faq, question)


def test_the_joined_personal_patterns_agree_with_every_pack_pattern_on_every_labelled_question(
    shipped_engine: Engine,
) -> None:
    faq = shipped_engine.faq
    separate = [p for pack in faq.languages.values() for p in pack.personal_patterns]
    assert len(separate) > 1 and len(faq.personal_patterns) == 1
    questions = [item.q for name in ("eval", "holdout", "unseen") for item in load_labelled(DATA / f"{name}.yaml")]
    personal = [any(p.search(simplify(q)) for p in separate) for q in questions]
    assert any(personal) and not all(personal)
    assert [is_personal(faq, q) for q in questions] == personal


@pytest.mark.parametrize(
    ("patterns", "joined"),
    [
        ([r"\bmy (son|wife)\b", r"\bme detuvieron\b"], True),
        ([r"\bmy (son|wife)\b"], False),  # nothing to join
        ([r"\b(\w+) \1\b", r"\bme detuvieron\b"], False),  # a numbered backreference
        ([r"(a)?(?(1)b|c)", r"\bme detuvieron\b"], False),  # a conditional group
        ([r"(?i)\bmy son\b", r"\bme detuvieron\b"], False),  # a flag of its own
        ([r"(?P<who>son)", r"(?P<who>hijo)"], False),  # a group name used twice
    ],
)
def test_personal_patterns_are_joined_only_where_that_keeps_their_meaning(patterns: list[str], joined: bool) -> None:
    compiled = [re.compile(p) for p in patterns]
    result = combine_patterns(compiled)
    assert len(result) == (1 if joined else len(compiled))
    if not joined:
        assert list(result) == compiled
    for text in ("my son was here", "me detuvieron ayer", "the the cat", "ab", "c", "my wife", "nothing", "hijo"):
        assert any(p.search(text) for p in result) == any(p.search(text) for p in compiled)


def test_answer_json_contract(small_engine: Engine) -> None:
    data = to_json(small_engine.ask("is an ICE hold mandatory?"))
    assert set(data) == JSON_KEYS
    assert data["status"] == "answer" and data["id"] == "detainer-is-request"
    assert data["lang"] == "en" and data["personal"] is False and data["not_covered"] is None
    (citation,) = data["citations"]
    assert citation == {
        "seed": "004_eff2dd5aa25bedd4",
        "title": "Fact check: Can local law enforcement agencies refuse to cooperate with ICE requests?",
        "section": "1. Summary of the results",
        "checked": "August 20, 2025",
        "quote": DETAINER_QUOTE,
    }
    assert "not legal advice" in data["disclaimer"]


def test_none_still_carries_disclaimer_and_no_citations(small_engine: Engine) -> None:
    data = to_json(small_engine.ask("how do I get divorced"))
    assert data["status"] == "none" and data["id"] is None and data["answer"] is None
    assert data["citations"] == [] and data["suggestions"] == []
    assert "not legal advice" in data["disclaimer"]


def test_text_rendering_shows_answer_sources_quote_and_disclaimer(small_engine: Engine) -> None:
    text = render_text(small_engine.ask("is an ICE hold mandatory?"))
    assert "Q: Is an ICE detainer an order, or only a request?" in text
    assert "1. Summary of the results (checked August 20, 2025)" in text
    assert f'Quote: "{DETAINER_QUOTE}"' in text
    assert text.rstrip().endswith("Consult an immigration lawyer or local legal aid about your situation.")


def test_undated_source_says_date_not_stated(small_engine: Engine) -> None:
    text = render_text(small_engine.ask("what is the federal tort claims act"))
    assert "Executive summary (date not stated)" in text


def test_personal_case_leads_with_warning_and_referral(small_engine: Engine) -> None:
    answer = small_engine.ask(
        "my husband has an ICE hold, is it mandatory?", referral="Call the Rapid Response line 555-0100"
    )
    text = render_text(answer)
    assert answer.personal
    assert text.startswith("! This sounds like a real situation.")
    assert "Call the Rapid Response line 555-0100" in text
    embed = render_embed(answer)
    assert embed["description"].startswith("⚠️ **This sounds like a real situation.")


def test_no_match_offers_referral_and_topics(small_engine: Engine) -> None:
    text = render_text(small_engine.ask("how do i renew my drivers license"))
    assert "I don't have a reviewed answer for that" in text
    assert "legal aid office" in text and "/faq topics" in text


def test_truncation_is_told(small_engine: Engine) -> None:
    answer = small_engine.ask("is an ice hold mandatory " * 40)
    assert "only read the first 300 characters" in render_text(answer)
    assert "only read the first 300 characters" in render_embed(answer)["description"]


def test_spanish_answer_keeps_english_quotes_labelled(small_engine: Engine) -> None:
    answer = small_engine.ask("¿la orden de retención es obligatoria?")
    assert answer.lang == "es" and answer.status == "answer"
    embed = render_embed(answer)
    assert embed["title"].startswith("¿Una orden de retención")
    assert f"Cita textual (en inglés): “{DETAINER_QUOTE}”" in embed["fields"][0]["value"]
    assert embed["footer"]["text"].startswith("Información legal, no asesoría legal")


def test_embed_never_echoes_the_members_question(small_engine: Engine) -> None:
    question = "@everyone <@123456789012345678> [click](http://evil.example) is an ice hold mandatory"
    for status_question in (question, "zzzz " + question[:40]):
        embed = render_embed(small_engine.ask(status_question))
        flat = str(embed)
        assert "@everyone" not in flat and "123456789012345678" not in flat and "evil.example" not in flat


def test_every_embed_fits_discords_limits(shipped_engine: Engine) -> None:
    for entry in shipped_engine.faq.entries:
        for lang in entry.texts:
            answer = shipped_engine.show(entry.id, lang=lang, referral="x" * 1000)
            assert answer is not None
            embed = render_embed(answer)
            assert len(embed["title"]) <= EMBED_LIMITS["title"]
            assert len(embed["description"]) <= EMBED_LIMITS["description"]
            assert all(len(f["value"]) <= EMBED_LIMITS["field_value"] for f in embed["fields"])
            assert all(len(f["name"]) <= EMBED_LIMITS["field_name"] for f in embed["fields"])
            assert embed_length(embed) <= EMBED_LIMITS["total"], (entry.id, lang)


def test_a_checked_date_is_shown_in_the_reply_language_and_kept_verbatim_in_json(small_engine: Engine) -> None:
    spanish = small_engine.ask("is an ICE hold mandatory?", lang="es")
    assert "consultada el 20 de agosto de 2025" in render_text(spanish)
    assert "consultada el 20 de agosto de 2025" in render_embed(spanish)["fields"][0]["value"]
    assert to_json(spanish)["citations"][0]["checked"] == "August 20, 2025"
    assert "checked August 20, 2025" in render_text(small_engine.ask("is an ICE hold mandatory?"))


def test_a_date_not_written_as_the_sources_write_dates_is_shown_as_stated(small_engine: Engine) -> None:
    spanish = small_engine.faq.languages["es"]
    assert local_date("December 8, 2025", spanish) == "8 de diciembre de 2025"
    for stated in ("2025-08-20", "Aug 20, 2025", "August 20, 2025 (updated)", "Agosto 20, 2025"):
        assert local_date(stated, spanish) == stated


def test_an_entrys_citations_are_resolved_once_per_language_and_as_if_afresh(shipped_engine: Engine) -> None:
    entry = next(e for e in shipped_engine.faq.entries if len(e.citations) > 1)
    for lang in ("en", "es"):
        first = shipped_engine.show(entry.id, lang=lang)
        again = shipped_engine.show(entry.id, lang=lang)
        assert first is not None and again is not None
        assert again.citations is first.citations
        chosen = Match("answer", entry.text(lang).question, False, "", (Candidate(entry.id, 100.0, lang),))
        assert build_answer(shipped_engine.faq, chosen, lang).citations == first.citations
    english, spanish = (shipped_engine.show(entry.id, lang=lang) for lang in ("en", "es"))
    assert english is not None and spanish is not None
    assert [c.checked_local for c in english.citations] != [c.checked_local for c in spanish.citations]
