"""Reading figures: the syllable rules of thumb, the two formulas, and the shipped answers."""

from __future__ import annotations

import statistics
from collections.abc import Callable

import pytest

from bot.engine import Engine
from bot.faq import BASE_LANGUAGE
from bot.readability import (
    HARD_EASE,
    HARD_GRADE,
    SCALES,
    Readability,
    grade_level,
    measure,
    reading_ease_es,
    syllables,
    syllables_es,
)

SHIPPED_MEDIAN_GRADE = 9.0
"""The shipped English answers' median grade may not rise above this. The aim is about 8;
legal words ("immigration", "jurisdiction") cost about a grade that no rewording removes.
Measured 8.9 when the check came in (10.0 before the answers were reworded)."""

SHIPPED_MEDIAN_EASE = 60.0
"""The shipped Spanish answers' median reading ease may not fall below this: 60 to 70 is
about 8th to 9th grade. Measured 62.6 when the check came in (59.4 before rewording)."""


ENGLISH_SYLLABLES = {
    "law": 1,
    "lawyer": 2,
    "detainer": 3,
    "immigration": 4,
    "released": 2,
    "arrested": 3,
    "asked": 1,
    "states": 1,
    "judges": 2,
    "table": 2,
    "courthouse": 2,
    "ICE": 1,
    "287": 3,
}
SPANISH_SYLLABLES = {
    "ley": 1,
    "ciudad": 2,
    "leer": 2,
    "país": 2,
    "policía": 4,
    "detención": 3,
    "inmigración": 4,
    "santuario": 3,
    "guerra": 2,
    "que": 1,
    "pingüino": 3,
    "287": 3,
}


@pytest.mark.parametrize(
    ("count", "word", "expected"),
    [(syllables, word, n) for word, n in ENGLISH_SYLLABLES.items()]
    + [(syllables_es, word, n) for word, n in SPANISH_SYLLABLES.items()],
)
def test_syllables_follow_the_rule_of_thumb(count: Callable[[str], int], word: str, expected: int) -> None:
    assert count(word) == expected


def test_measure_counts_words_sentences_and_syllables() -> None:
    result = measure('He said "no." Then the lawyer left!')
    assert result == Readability(words=7, sentences=2, syllables=8)
    assert (result.words_per_sentence, result.syllables_per_word) == (3.5, 8 / 7)
    spanish = measure("¿La cárcel puede decir que no? Sí.", syllables_es)
    assert spanish == Readability(words=7, sentences=2, syllables=10)


def test_a_text_without_words_scores_zero() -> None:
    assert measure("") == Readability(0, 0, 0)
    assert grade_level(" ... ") == 0.0
    assert reading_ease_es("") == 0.0
    assert (measure("").words_per_sentence, measure("").syllables_per_word) == (0.0, 0.0)


def test_grade_is_the_flesch_kincaid_formula() -> None:
    # 6 words, 1 sentence, 6 syllables: 0.39 * 6 + 11.8 * 1 - 15.59.
    assert grade_level("The cat sat on the mat.") == pytest.approx(-1.45)
    plain = "Ask a lawyer. They can help you. Many help for free."
    dense = (
        "Jurisdiction-specific counsel should be consulted regarding administrative immigration "
        "enforcement procedures, constitutional protections and potential liability exposure."
    )
    assert grade_level(plain) < 4 < HARD_GRADE < grade_level(dense)


def test_ease_is_the_fernandez_huerta_formula() -> None:
    # 4 words, 1 sentence, 8 syllables (la, cár-cel, pue-de, ne-gar-se): 206.84 - 1.02 * 4 - 60 * 8 / 4.
    assert reading_ease_es("La cárcel puede negarse.") == pytest.approx(82.76)
    plain = "Pida ayuda a un abogado. Hay grupos que ayudan gratis."
    dense = (
        "Las jurisdicciones santuario implementan políticas administrativas que restringen "
        "significativamente la colaboración institucional con autoridades migratorias federales."
    )
    assert reading_ease_es(dense) < HARD_EASE < 70 < reading_ease_es(plain)


def test_each_scale_scores_its_own_figure_and_knows_which_way_is_hard() -> None:
    result = measure("Ask a lawyer.")
    english, spanish = SCALES["en"], SCALES["es"]
    assert (english.score(result), spanish.score(result)) == (result.grade, result.ease)
    assert (english.read("Ask a lawyer."), spanish.read("Sí.")) == (result, measure("Sí.", syllables_es))
    assert english.is_hard(HARD_GRADE + 0.1) and not english.is_hard(HARD_GRADE)
    assert spanish.is_hard(HARD_EASE - 0.1) and not spanish.is_hard(HARD_EASE)


def test_the_shipped_answers_read_at_about_8th_grade(shipped_engine: Engine) -> None:
    entries = shipped_engine.faq.entries
    grades = {entry.id: grade_level(entry.texts[BASE_LANGUAGE].answer) for entry in entries}
    hard = {entry_id: round(grade, 1) for entry_id, grade in grades.items() if grade > HARD_GRADE}
    assert not hard, f"reword these English answers (faqbot check --readability): {hard}"
    assert statistics.median(grades.values()) <= SHIPPED_MEDIAN_GRADE
    ease = {entry.id: reading_ease_es(entry.texts["es"].answer) for entry in entries}
    hard = {entry_id: round(value, 1) for entry_id, value in ease.items() if value < HARD_EASE}
    assert not hard, f"reword these Spanish answers (faqbot check --readability): {hard}"
    assert statistics.median(ease.values()) >= SHIPPED_MEDIAN_EASE
