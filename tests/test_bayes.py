"""The second opinion: naive Bayes over the phrasings, checked against the formula worked out by hand."""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import replace

import pytest

from bot.bayes import ALPHA, NaiveBayes
from bot.engine import Engine
from bot.matcher import Matcher
from tests.conftest import NOTHING_CONFIDENT

# Three documents of a few phrasings each, as normalised word sets.
DOCUMENTS = [
    [{"detainer", "request"}, {"detainer", "order"}, {"detainer", "required"}],
    [{"ftca", "claim"}, {"sue", "ftca"}],
    [{"door", "open"}, {"door", "ice"}, {"ice", "home"}, {"door", "knock"}],
]


def build(documents: list[list[set[str]]]) -> NaiveBayes:
    """A model over ``documents`` (each a list of phrasings' word sets), counted as the matcher counts them."""
    return NaiveBayes([Counter(word for words in phrasings for word in words) for phrasings in documents])


def by_hand(documents: list[list[set[str]]], words: list[str]) -> list[float]:
    """P(document | words) straight from the formula in bot/bayes.py, with no shortcut."""
    vocabulary = set().union(*(w for phrasings in documents for w in phrasings))
    known = [word for word in words if word in vocabulary]
    scores = []
    for phrasings in documents:
        total = sum(len(w) for w in phrasings)
        uses = {word: sum(word in w for w in phrasings) for word in vocabulary}
        scores.append(
            sum(math.log((uses[word] + ALPHA) / (total + ALPHA * len(vocabulary))) for word in known),
        )
    top = max(scores)
    weights = [math.exp(score - top) for score in scores]
    return [weight / sum(weights) for weight in weights]


@pytest.mark.parametrize(
    "words",
    [["detainer"], ["detainer", "order"], ["ice", "door", "door"], ["ftca", "detainer"], ["divorce", "sue"], []],
)
def test_probabilities_follow_the_formula(words: list[str]) -> None:
    model = build(DOCUMENTS)
    expected = by_hand(DOCUMENTS, words)
    got = [model.probability(words, index) for index in range(len(DOCUMENTS))]
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-12)
    assert sum(got) == pytest.approx(1.0)


def test_words_no_phrasing_uses_say_nothing() -> None:
    model = build(DOCUMENTS)
    for index in range(len(DOCUMENTS)):
        assert model.probability(["divorce", "ftca"], index) == pytest.approx(model.probability(["ftca"], index))
        assert model.probability(["divorce"], index) == pytest.approx(1 / len(DOCUMENTS))


def test_a_word_only_one_document_uses_makes_it_nearly_certain() -> None:
    model = build(DOCUMENTS)
    assert model.probability(["ftca", "sue"], 1) > 0.99
    # One word, in half of a document's phrasings: likely, less so than two words only one document uses.
    assert 0.99 > model.probability(["ice"], 2) > 0.8
    assert model.probability(["ice"], 0) < 0.1


def test_checking_the_rivals_first_never_changes_the_answer() -> None:
    rng = random.Random(3)
    vocabulary = [f"w{n}" for n in range(30)]
    documents = [[set(rng.sample(vocabulary, rng.randint(1, 5))) for _ in range(rng.randint(1, 6))] for _ in range(12)]
    model = build(documents)
    for _ in range(300):
        words = rng.sample(vocabulary, rng.randint(1, 6))
        document = rng.randrange(len(documents))
        rivals = rng.sample(range(len(documents)), rng.randint(0, 4))
        probability = model.probability(words, document)
        for threshold in (0.5, 0.9, 0.99):
            assert model.at_least(words, document, rivals, threshold) is (probability >= threshold)


def test_the_second_opinion_answers_only_when_it_is_sure_and_the_score_is_high_enough(small_engine: Engine) -> None:
    question = "what does the ftca claim thing even cover for me"
    # No tier of confidence answers; only the second opinion can, once turned back on.
    tiers_off = replace(NOTHING_CONFIDENT, suggest=0.0)
    best = Matcher(small_engine.faq, tiers_off).match(question)
    assert best.status == "suggest" and best.best is not None and best.best.entry_id == "ftca-vs-personal-suit"
    answered = Matcher(small_engine.faq, replace(tiers_off, agree_answer=best.best.score)).match(question)
    assert answered.status == "answer" and answered.best == best.best
    too_high = replace(tiers_off, agree_answer=best.best.score + 0.1)
    assert Matcher(small_engine.faq, too_high).match(question).status == "suggest"
    never_sure_enough = replace(tiers_off, agree_answer=0.0, agree_probability=1.01)
    assert Matcher(small_engine.faq, never_sure_enough).match(question).status == "suggest"


def test_the_second_opinion_also_weighs_not_covered_subjects(shipped_engine: Engine) -> None:
    # "how much is an ice bond" shares words with entries, but the bond subject uses them all.
    matcher = shipped_engine.matcher
    _, _, prepared = matcher.prepare("how much is an ice bond")
    words = prepared.split()
    subjects = range(
        len(shipped_engine.faq.entries), len(shipped_engine.faq.entries) + len(shipped_engine.faq.not_covered)
    )
    bond = next(i for i in subjects if matcher._document_id(i) == "immigration-bond")
    assert matcher._bayes.probability(words, bond) > 0.5


def test_a_question_that_overwhelmingly_fits_another_document_is_a_plain_no() -> None:
    model = build(DOCUMENTS)
    words = ["door", "knock"] * 300  # each word moves the odds further; no overflow, just "no"
    assert model.at_least(words, 1, [2, 0], 0.5) is False
    assert model.at_least(words, 2, [1, 0], 0.99) is True
    assert model.probability(words, 1) == pytest.approx(0.0)


def test_a_story_is_confirmed_from_a_lower_score_than_a_short_question(small_engine: Engine) -> None:
    story = (
        "we keep hearing about the ftca tort claim at our meetings and nobody can explain what it covers or who pays"
    )
    words = len(small_engine.matcher.prepare(story)[2].split())
    tiers_off = replace(NOTHING_CONFIDENT, suggest=0.0, story_words=words)
    best = Matcher(small_engine.faq, tiers_off).match(story).best
    assert best is not None and best.entry_id == "ftca-vs-personal-suit"
    story_floor = replace(tiers_off, agree_story_answer=best.score)
    assert story_floor.agree_from(words) == best.score and story_floor.agree_from(words - 1) == 101.0
    answered = Matcher(small_engine.faq, story_floor).match(story)
    assert answered.status == "answer" and answered.best == best
    # One word short of a story, only agree_answer (off here) could answer it.
    assert Matcher(small_engine.faq, replace(story_floor, story_words=words + 1)).match(story).status == "suggest"
