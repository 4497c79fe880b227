"""Subjects the sources do not cover (``faq/not-covered.yaml``): validated, declined, named, never offered.

A decline by a subject offers the entries close to the question as related ones.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.answer import Suggestion, build_answer, render_embed, render_text, to_json
from bot.engine import Engine
from bot.errors import FAQLoadError
from bot.faq import load_faq
from bot.matcher import THRESHOLDS, Matcher, Thresholds
from tests.conftest import NOTHING_CONFIDENT, FAQBuilder

HOME_ENTRY: dict[str, Any] = {
    "en": {
        "topic": "whether ICE may enter a home",
        "phrasings": ["do i have to open the door for ice", "can ice come into my house", "ice knocking on my door"],
    },
    "es": {
        "topic": "si ICE puede entrar a una casa",
        "phrasings": ["tengo que abrirle la puerta a la migra", "puede ICE entrar a mi casa"],
    },
}


def with_subjects(folder: Path, subjects: dict[str, Any] | str) -> Path:
    """Write ``not-covered.yaml`` into a FAQ folder (a mapping, or raw text)."""
    # A JSON round trip unshares repeated blocks, so the YAML has no aliases (which the loader refuses).
    plain = json.loads(json.dumps({"not_covered": subjects}))
    text = subjects if isinstance(subjects, str) else yaml.safe_dump(plain, allow_unicode=True)
    (folder / "not-covered.yaml").write_text(text, encoding="utf-8")
    return folder


def load_errors(folder: Path) -> list[str]:
    """Load ``folder`` expecting failure; return the error lines."""
    with pytest.raises(FAQLoadError) as caught:
        load_faq(folder)
    return [str(e) for e in caught.value.errors]


@pytest.fixture
def engine(make_faq: FAQBuilder) -> Engine:
    """The two-entry FAQ plus one not-covered subject."""
    return Engine.load(with_subjects(make_faq(), {"home-entry": HOME_ENTRY}))


def test_the_file_is_optional_and_loads_each_language(make_faq: FAQBuilder) -> None:
    assert load_faq(make_faq(name="plain")).not_covered == ()
    (subject,) = load_faq(with_subjects(make_faq(), {"home-entry": HOME_ENTRY})).not_covered
    assert subject.id == "home-entry"
    assert subject.topic("es") == "si ICE puede entrar a una casa"
    assert subject.topic("pt") == "whether ICE may enter a home"
    assert len(subject.phrasings["en"]) == 3


@pytest.mark.parametrize(
    ("subjects", "expected"),
    [
        ({"Home Entry": HOME_ENTRY}, "[Home Entry] an id uses lowercase letters"),
        ({"home-entry": {"en": HOME_ENTRY["en"]}}, "[home-entry] missing the Español (es) topic and phrasings"),
        ({"home-entry": {**HOME_ENTRY, "fr": HOME_ENTRY["en"]}}, "[home-entry] 'fr' has no language pack"),
        ({"home-entry": {**HOME_ENTRY, "en": {**HOME_ENTRY["en"], "answer": "x"}}}, "en: unknown key 'answer'"),
        ({"home-entry": {**HOME_ENTRY, "en": {"topic": "x", "phrasings": ["a", "b"]}}}, "needs at least 3 items"),
        ({"home-entry": {**HOME_ENTRY, "es": {"phrasings": ["a", "b"]}}}, "es.topic must be a non-empty text"),
        ({"home-entry": ["a list"]}, "expected a block per language"),
        ({"ftca-vs-personal-suit": HOME_ENTRY}, "[ftca-vs-personal-suit] id is also an entry's id (main.yaml:"),
    ],
)
def test_each_rule_is_enforced_with_the_subject_named(
    make_faq: FAQBuilder, subjects: dict[str, Any], expected: str
) -> None:
    (error,) = load_errors(with_subjects(make_faq(), subjects))
    assert "not-covered.yaml:" in error and expected in error, error


def test_a_broken_file_names_its_line(make_faq: FAQBuilder) -> None:
    (error,) = load_errors(with_subjects(make_faq(), "not_covered:\n  home-entry:\n    en: [unclosed\n"))
    assert "not-covered.yaml:" in error


def test_a_question_about_the_subject_is_declined_and_the_subject_named(engine: Engine) -> None:
    for question, lang in (
        ("do i have to open the door for ICE??", "en"),
        ("tengo que abrir la puerta a la migra", "es"),
    ):
        answer = engine.ask(question)
        assert (answer.status, answer.lang, answer.entry_id) == ("none", lang, None), question
        assert answer.not_covered == engine.faq.not_covered[0].topic(lang)
        assert answer.citations == () and answer.suggestions == ()
        notice = engine.faq.message("not_covered", lang).format(topic=answer.not_covered)
        assert notice in render_text(answer)
        assert notice in render_embed(answer)["description"]
        assert answer.referral in render_embed(answer)["description"]
        assert to_json(answer)["not_covered"] == answer.not_covered


def test_entries_are_still_answered_and_a_plain_none_names_nothing(engine: Engine) -> None:
    answer = engine.ask("is an ICE hold mandatory?")
    assert answer.status == "answer" and answer.not_covered is None
    declined = engine.ask("how do I get divorced")
    assert declined.status == "none" and declined.not_covered is None and declined.suggestions == ()
    assert to_json(declined)["not_covered"] is None


def test_a_decline_by_subject_offers_the_entries_scoring_related_or_more(engine: Engine) -> None:
    question = "do i have to open the door for ICE??"
    _, _, prepared = engine.matcher.prepare(question)
    (closest,) = engine.matcher.rank(prepared, 1)
    offering = Matcher(engine.faq, replace(THRESHOLDS, related=closest.score))
    match = offering.match(question)
    assert (match.status, match.not_covered) == ("none", "home-entry")
    assert match.candidates[0] == closest and all(c.entry_id in engine.faq.by_id for c in match.candidates)
    assert Matcher(engine.faq, replace(THRESHOLDS, related=closest.score + 0.1)).match(question).candidates == ()

    answer = build_answer(engine.faq, match)
    assert answer.status == "none" and answer.entry_id is None and answer.score == 0.0 and not answer.citations
    related = engine.faq.by_id[closest.entry_id].question
    assert answer.suggestions[0] == Suggestion(closest.entry_id, related, closest.score)
    text, description = render_text(answer), render_embed(answer)["description"]
    for shown in (text, description):
        notice = engine.faq.message("not_covered").format(topic=answer.not_covered)
        assert shown.index(notice) < shown.index(engine.faq.message("related_intro")) < shown.index(related)
    assert to_json(answer)["suggestions"][0]["id"] == closest.entry_id


def test_subjects_are_never_ranked_or_suggested(engine: Engine) -> None:
    matcher = engine.matcher
    _, _, prepared = matcher.prepare("ice hold door")
    assert {c.entry_id for c in matcher.rank(prepared, limit=25)} <= set(engine.faq.by_id)
    never_sure = replace(NOTHING_CONFIDENT, suggest=0.0)
    unsure = Matcher(engine.faq, never_sure).match("ice hold door")
    assert unsure.status == "suggest" and {c.entry_id for c in unsure.candidates} <= set(engine.faq.by_id)


def test_a_close_subject_counts_against_an_entrys_lead(make_faq: FAQBuilder) -> None:
    # A subject phrased almost like the entry's own question leaves the entry no lead.
    rival = {"en": {**HOME_ENTRY["en"], "phrasings": ["is an ice hold mandatory today", "x y z", "open the door"]}}
    folder = with_subjects(make_faq(), {"rival-subject": {**HOME_ENTRY, **rival}})
    matcher = Matcher(load_faq(folder), Thresholds(answer=0.0, margin=30.0, suggest=101.0))
    assert matcher.match("is an ice hold mandatory").status == "none"
    assert Matcher(load_faq(make_faq(name="plain")), matcher.thresholds).match("is an ice hold mandatory").status == (
        "answer"
    )


def test_a_subject_near_the_best_entry_keeps_the_lower_tier_from_answering(
    make_faq: FAQBuilder, engine: Engine
) -> None:
    question = "is an ICE hold mandatory?"
    _, _, prepared = engine.matcher.prepare(question)
    scored = engine.matcher._scored(prepared, 5, True)
    (best, _, _), (subject, subject_score, _) = scored
    assert best < len(engine.faq.entries) <= subject  # an entry first, the subject second
    lead = engine.matcher.rank(prepared, 1)[0].score - subject_score
    lower = replace(NOTHING_CONFIDENT, clear_answer=0.0, clear_margin=lead, suggest=0.0, subject_gap=lead)
    assert Matcher(engine.faq, lower).match(question).status == "suggest"
    assert Matcher(engine.faq, replace(lower, subject_gap=lead - 0.1)).match(question).status == "answer"
    assert Matcher(load_faq(make_faq(name="plain")), lower).match(question).status == "answer"


def test_subjects_do_not_change_how_entries_score(make_faq: FAQBuilder, engine: Engine) -> None:
    plain = Engine.load(make_faq(name="plain"))
    for question in ("is an ICE hold mandatory?", "what is the ftca", "ice hold door", "detainer court"):
        _, _, prepared = plain.matcher.prepare(question)
        assert plain.matcher.rank(prepared, 5) == engine.matcher.rank(prepared, 5), question


def test_editing_the_file_is_picked_up_on_reload(make_faq: FAQBuilder) -> None:
    folder = with_subjects(make_faq(), {"home-entry": HOME_ENTRY})
    first = Engine.load(folder)
    assert first.ask("ice at my window").not_covered is None
    edited = {
        **HOME_ENTRY,
        "en": {**HOME_ENTRY["en"], "phrasings": [*HOME_ENTRY["en"]["phrasings"], "ice at my window"]},
    }
    with_subjects(folder, {"home-entry": edited})
    again = Engine.load(folder, previous=first)
    assert again.faq.version != first.faq.version
    assert again.ask("ice at my window").not_covered == "whether ICE may enter a home"


def test_placeholders_in_messages_are_checked(make_faq: FAQBuilder) -> None:
    folder = make_faq()
    pack = folder / "languages" / "en.yaml"
    text = pack.read_text(encoding="utf-8")
    pack.write_text(text.replace("do not cover {topic}.", "do not cover {subject}."), encoding="utf-8")
    (error,) = load_errors(folder)
    assert "en.yaml:" in error and "message 'not_covered' uses {subject}; it can use only {topic}" in error
    pack.write_text(text.replace("do not cover {topic}.", "do not cover {topic."), encoding="utf-8")
    (error,) = load_errors(folder)
    assert "message 'not_covered':" in error and "literal brace" in error
