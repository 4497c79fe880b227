"""Answer quality of the shipped FAQ on the labelled sets: the safety targets, and floors for the rest.

``tests/data/eval.yaml`` is the development set the thresholds were chosen on.
``tests/data/holdout.yaml`` was written separately; it was used only to check
choices until ``tests/data/unseen.yaml`` was written, and has since served as
a second development set. ``unseen.yaml`` was written after every tuning
decision and has never been tuned on. ``blind.yaml`` was written later from
the entry plan and the seeds alone; after its first run its wrong answers were
studied, so it is a third development set, and so is ``blind2.yaml``, written
the same way and studied after its first run. ``blind3.yaml``, written the
same way, has had no phrasing written from it (its figures were printed beside
the development sets' when the thresholds were chosen). ``blind4.yaml`` was
written the same way after the last threshold change, ``blind5.yaml``
after the "consequences" synonyms, ``blind6.yaml`` after the "mean" stop
words (its misses were listed after its first run), and ``blind7.yaml``
after the story tier; nothing has been written from blind3 to blind6, and
two Spanish synonym groups from blind7's misses. ``blind8.yaml`` was written
after those, before the story tier moved from 48 to 44 and before the
second opinion (naive Bayes, ``bot/bayes.py``); nothing has been written
from it. ``blind9.yaml`` was written after the second opinion, to be its
first look. ``blind10.yaml`` was written after the changes blind9 led to;
its misses were studied after its first runs (one synonym group came of
them). ``blind11.yaml`` was written before those were studied; nothing has
been written from it and its misses have not been looked at; it was run a
second time, once, to confirm the second opinion's story floor of 30, and
studied after ``blind12.yaml`` was written (two synonym groups and a phrasing
came of it). ``blind12.yaml`` was run once, then its wrong and unhelpful
answers were listed, and its misses' unknown words were listed with every
other set's (synonyms and stop words came of that). ``blind13.yaml`` was held
in reserve, then run once as the first look at all of that; only its aggregate
figures were printed; it was studied after ``blind14.yaml`` had been run.
``blind14.yaml`` was held in reserve, then run once as the first look at the
stop words and synonyms that came of blind13 (aggregate figures only), and
studied after ``blind15.yaml`` was written. ``blind15.yaml`` was held in
reserve, then run once as the first look at the story-style phrasings
(aggregate figures only). ``blind16.yaml`` was held in reserve, then run once
as the first look at those phrasings and the ``answer_only_with`` change
(aggregate figures only). ``blind17.yaml`` was held in reserve, then run once
as the first look at the synonyms and stop words of 16a00f6 (aggregate figures
only), then studied (``blind18.yaml``'s writer saw none of it).
``blind18.yaml`` was held in reserve, then run once as the first look at the
defining words of f679fb3 (aggregate figures only), then studied.
``blind19.yaml`` was held in reserve, then run once as the first look at the
refusing rule of 7cbde28 (aggregate figures only), then studied.
``blind20.yaml`` was held in reserve, then run once as the first look at the
round of fc178a1 to 683bdf9 (aggregate figures only), then studied.
``blind21.yaml`` was held in reserve, then run once as the first look at the
seventh round of alternates of 94dc516 (aggregate figures only).
``blind22.yaml`` was held in reserve, then run once as the first look at the
eighth round of alternates and the fixes up to 9506891 (aggregate figures only).
``blind23.yaml`` was held in reserve, then run once as the first look at the
ninth round of alternates of 46cca9d (aggregate figures only).
``blind24.yaml`` was held in reserve, then run once as the first look at the
round of d769b0f to 52837c6 (aggregate figures only).
``blind25.yaml`` was held in reserve, then run once as the first look at the
changes of 4eaa834 to 6a67537 (aggregate figures only).
``blind26.yaml`` was held in reserve, then run once as the first look at the
"I don't know" synonyms of c9f51c1 (aggregate figures only).
``blind27.yaml`` and ``blind28.yaml`` are held in reserve, never run (see :data:`RESERVED`).
Safety targets (issue #3, and #8 for Spanish) are asserted as written on
every set and in each language: at most 2% of questions answered
wrongly, at least 95% of out-of-scope questions declined. The correct-answer
and helpful rates fall short of the issue's 90% and 97% on some sets; they are
asserted as floors at the measured values so they cannot silently get worse
(see README, "Answer quality").
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine import Engine
from bot.evaluate import Report, evaluate, load_labelled

DATA = Path(__file__).parent / "data"
SETS = (
    "eval",
    "holdout",
    "unseen",
    "blind",
    "blind2",
    "blind3",
    "blind4",
    "blind5",
    "blind6",
    "blind7",
    "blind8",
    "blind9",
    "blind10",
    "blind11",
    "blind12",
    "blind13",
    "blind14",
    "blind15",
    "blind16",
    "blind17",
    "blind18",
    "blind19",
    "blind20",
    "blind21",
    "blind22",
    "blind23",
    "blind24",
    "blind25",
    "blind26",
)
RESERVED = ("blind27", "blind28")
"""Written, never run: the first looks at the next changes to matching or content.
Run the first one once with everything else fixed, record its figures in its header
and the README, then move it to ``SETS`` (and write a new one before the last is used)."""


@pytest.fixture(scope="module")
def reports(shipped_engine: Engine) -> dict[str, Report]:
    """Every labelled set, scored once."""
    return {
        name: evaluate(shipped_engine, load_labelled(DATA / f"{name}.yaml", shipped_engine.faq.by_id)) for name in SETS
    }


def test_the_labelled_sets_are_big_and_varied_enough(reports: dict[str, Report]) -> None:
    dev = reports["eval"].metrics()
    assert dev["questions"] >= 200 and dev["out_of_scope"] >= 60
    assert reports["eval"].metrics("es")["questions"] >= 60


@pytest.mark.parametrize("name", SETS)
@pytest.mark.parametrize("lang", [None, "en", "es"])
def test_safety_targets(reports: dict[str, Report], name: str, lang: str | None) -> None:
    metrics = reports[name].metrics(lang)
    assert metrics["wrong_pct"] <= 2.0, metrics
    assert metrics["declined_pct"] >= 95.0, metrics


@pytest.mark.parametrize(
    ("name", "correct", "helpful"),
    [
        ("eval", 92.0, 98.5),
        ("holdout", 97.0, 99.0),
        ("unseen", 95.5, 100.0),
        ("blind", 98.0, 100.0),
        ("blind2", 95.5, 99.0),
        ("blind3", 96.0, 100.0),
        ("blind4", 94.5, 99.0),
        ("blind5", 96.0, 100.0),
        ("blind6", 92.0, 100.0),
        ("blind7", 94.0, 100.0),
        ("blind8", 90.5, 100.0),
        ("blind9", 87.0, 99.0),
        ("blind10", 91.5, 98.5),
        ("blind11", 91.0, 99.0),
        ("blind12", 92.5, 100.0),
        ("blind13", 86.5, 98.0),
        ("blind14", 88.5, 98.5),
        ("blind15", 98.0, 99.0),
        ("blind16", 97.0, 100.0),
        ("blind17", 95.5, 99.0),
        ("blind18", 95.0, 100.0),
        ("blind19", 91.0, 98.5),
        ("blind20", 95.5, 100.0),
        ("blind21", 96.0, 99.0),
        ("blind22", 92.5, 100.0),
        ("blind23", 90.5, 98.5),
        ("blind24", 94.5, 98.0),
        ("blind25", 93.5, 98.0),
        ("blind26", 90.5, 98.5),
    ],
)
def test_quality_does_not_fall_below_what_was_measured(
    reports: dict[str, Report], name: str, correct: float, helpful: float
) -> None:
    metrics = reports[name].metrics()
    assert metrics["correct_pct"] >= correct, metrics
    assert metrics["helpful_pct"] >= helpful, metrics


@pytest.mark.parametrize("name", RESERVED)
def test_a_reserved_set_loads_and_names_only_real_entries(shipped_engine: Engine, name: str) -> None:
    # Loading checks every expected id against the FAQ (a typo would hide a miss); nothing is matched.
    items = load_labelled(DATA / f"{name}.yaml", shipped_engine.faq.by_id)
    in_scope = [item for item in items if item.expect]
    assert len(items) >= 200 and len(in_scope) >= 100 and len(items) - len(in_scope) >= 60
    assert sum(item.lang == "es" for item in items) >= 60
    assert {entry for item in in_scope for entry in item.expect} == set(shipped_engine.faq.by_id)


@pytest.mark.parametrize("name", SETS + RESERVED)
def test_at_most_a_third_of_the_in_scope_questions_reuse_an_alternate(shipped_engine: Engine, name: str) -> None:
    # Issue #3: a set that mostly repeats the FAQ's own phrasings would measure memory, not matching.
    # "Reuse" here means the same words after normalisation (case, stop words, synonyms, plurals),
    # in any order (the matcher keeps each phrasing's words sorted).
    matcher = shipped_engine.matcher
    phrasings = set(matcher.phrasings)
    in_scope = [item for item in load_labelled(DATA / f"{name}.yaml") if item.expect]
    reused = [item.q for item in in_scope if " ".join(sorted(matcher.normalize(item.q).split())) in phrasings]
    assert len(reused) <= len(in_scope) / 3, f"{len(reused)} of {len(in_scope)} reuse an alternate's wording"
