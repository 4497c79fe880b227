"""Match a member's question to one FAQ entry, or honestly decline.

Every question gets exactly one decision:

* ``answer``  - the best entry clears :attr:`Thresholds.answer` *and* beats the
  runner-up entry by :attr:`Thresholds.margin`;
* ``suggest`` - something is close (at least :attr:`Thresholds.suggest`), but
  not sure enough: offer up to three entries;
* ``none``    - nothing relevant.

How a score is made: the question is normalised (accents, case, punctuation,
synonyms, stop words; see :mod:`bot.text`), unknown words are spelling-corrected
against the FAQ's own vocabulary, and rapidfuzz scores it against every
phrasing of every entry (question, alternates and translations), precomputed
once per FAQ. An entry's score is its best phrasing's score.

The thresholds live here and nowhere else. How they were chosen, from the
score distribution of right and wrong matches on the labelled set, is in the
README ("How the thresholds were chosen"); rerun ``faqbot eval --scores``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz, process

from bot.faq import FAQ
from bot.text import Normalizer

Status = Literal["answer", "suggest", "none"]

MAX_QUESTION_CHARS = 300
"""Longer questions are cut here (and the reply says so); it also bounds the work per question."""

SPELLING_CUTOFF = 84
"""How close an unknown word must be to a FAQ word to be read as a typo of it."""


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The three numbers that decide between answer, suggest and none (scores are 0-100)."""

    answer: float = 88.0
    margin: float = 6.0
    suggest: float = 60.0
    max_suggestions: int = 3


THRESHOLDS = Thresholds()


def score(query: str, choice: str, *, score_cutoff: float | None = None) -> float:
    """The similarity of two normalised texts, 0-100.

    ``token_set_ratio`` forgives extra words on either side (a long story that
    contains the question), ``token_sort_ratio`` rewards saying the same thing
    overall; the blend keeps a single shared word from looking like a match.
    """
    return 0.5 * fuzz.token_set_ratio(query, choice) + 0.5 * fuzz.token_sort_ratio(query, choice)


@dataclass(frozen=True, slots=True)
class Candidate:
    """An entry and how well the question matched it."""

    entry_id: str
    score: float
    lang: str


@dataclass(frozen=True, slots=True)
class Match:
    """The decision for one question, with the evidence behind it."""

    status: Status
    question: str
    truncated: bool
    normalized: str
    candidates: tuple[Candidate, ...]

    @property
    def best(self) -> Candidate | None:
        """The top-ranked entry, if any scored at all."""
        return self.candidates[0] if self.candidates else None


class Matcher:
    """Precomputed phrasings of one FAQ; immutable and safe to share between tasks."""

    def __init__(self, faq: FAQ, thresholds: Thresholds = THRESHOLDS) -> None:
        """Normalise every phrasing of every entry once."""
        self.faq = faq
        self.thresholds = thresholds
        stopwords = frozenset().union(*(pack.stopwords for pack in faq.languages.values()))
        self.normalize = Normalizer(faq.synonyms, stopwords)
        choices: list[str] = []
        owners: list[tuple[int, str]] = []
        for index, entry in enumerate(faq.entries):
            for lang, text in entry.texts.items():
                for phrasing in (text.question, *text.alternates):
                    normalized = self.normalize(phrasing)
                    if normalized:
                        choices.append(normalized)
                        owners.append((index, lang))
        self._choices = choices
        self._owners = owners
        self._vocabulary = sorted({word for choice in choices for word in choice.split()})
        self._known = frozenset(self._vocabulary)

    def _correct(self, normalized: str) -> str:
        """Replace words the FAQ never uses by the closest word it does use (typos)."""
        words = []
        for word in normalized.split():
            if word not in self._known and len(word) > 3 and not word.isdigit():
                found = process.extractOne(word, self._vocabulary, scorer=fuzz.ratio, score_cutoff=SPELLING_CUTOFF)
                if found is not None:
                    word = found[0]
            words.append(word)
        return " ".join(words)

    def prepare(self, question: str) -> tuple[str, bool, str]:
        """Cut ``question`` to the length limit; return it, whether it was cut, and its normal form."""
        truncated = len(question) > MAX_QUESTION_CHARS
        if truncated:
            question = question[:MAX_QUESTION_CHARS]
        return question, truncated, self._correct(self.normalize(question))

    def rank(self, normalized: str, limit: int, cutoff: float = 0.0) -> list[Candidate]:
        """The best ``limit`` entries for an already prepared question, best first."""
        if not normalized or not self._choices:
            return []
        best: dict[int, tuple[float, str]] = {}
        for _, value, position in process.extract(
            normalized, self._choices, scorer=score, limit=None, score_cutoff=cutoff
        ):
            index, lang = self._owners[position]
            if index not in best or value > best[index][0]:
                best[index] = (value, lang)
        ranked = sorted(best.items(), key=lambda item: (-item[1][0], item[0]))[:limit]
        return [Candidate(self.faq.entries[i].id, round(s, 1), lang) for i, (s, lang) in ranked]

    def match(self, question: str) -> Match:
        """Decide ``answer``, ``suggest`` or ``none`` for any string; never raises."""
        question, truncated, normalized = self.prepare(question)
        limits = self.thresholds
        ranked = self.rank(normalized, limit=limits.max_suggestions + 1, cutoff=limits.suggest)
        status: Status = "none"
        if ranked:
            runner_up = ranked[1].score if len(ranked) > 1 else 0.0
            confident = ranked[0].score >= limits.answer and ranked[0].score - runner_up >= limits.margin
            status = "answer" if confident else "suggest"
        shown = ranked[:1] if status == "answer" else ranked[: limits.max_suggestions]
        return Match(status, question, truncated, normalized, tuple(shown))
