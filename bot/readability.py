"""How hard an answer is to read, in English and in Spanish.

The FAQ aims at a reader of about 8th grade (issue #3). This module measures
it, so that ``faqbot check --readability`` can list the answers that need
plainer words or shorter sentences. Each language has its standard formula:

* English, the Flesch-Kincaid grade level (a US school year; lower is easier):
  ``0.39 * words per sentence + 11.8 * syllables per word - 15.59``.
* Spanish, the Fernández-Huerta reading ease (0 to 100; higher is easier):
  ``206.84 - 1.02 * words per sentence - 60 * syllables per word``. It is
  the Spanish form of Flesch's reading ease, on the same scale, where 60 to
  70 is "normal" (about 8th to 9th grade) and under 50 "difficult".

Syllables are counted by rules of thumb, as every readability tool without a
dictionary does: in English, groups of vowels less a silent final "e"; in
Spanish, groups of vowels, split where two strong vowels meet ("le-er") or a
weak one is accented ("pa-ís"), with the silent "u" of "que" and "gui"
dropped. They are off by one now and then on a word, which moves a
paragraph's figure a little at most. The figures are a guide for moderators,
not a gate on loading: a legal answer needs some long words
("jurisdiction", "inmigración") that no rewording removes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise

TARGET_GRADE = 8.0
"""The reading level the answers aim at: about 8th grade."""

HARD_GRADE = 11.0
"""An English answer above this grade is listed by ``faqbot check --readability`` as one to reword."""

HARD_EASE = 50.0
"""A Spanish answer under this reading ease ("difficult") is listed by ``faqbot check --readability``."""


@dataclass(frozen=True, slots=True)
class Scale:
    """How one language's answers are scored: which figure, where an answer becomes hard, and which way."""

    language: str
    name: str
    aim: str
    limit: float
    higher_is_harder: bool
    syllables_of: Callable[[str], int]
    """The language's syllable counter, for :func:`measure`."""

    def read(self, text: str) -> Readability:
        """Count ``text``'s words, sentences and syllables, the latter by this language's rules."""
        return measure(text, self.syllables_of)

    def score(self, result: Readability) -> float:
        """The figure for ``result`` on this scale: the grade where higher is harder, else the reading ease."""
        return result.grade if self.higher_is_harder else result.ease

    def is_hard(self, value: float) -> bool:
        """Whether ``value`` is past :attr:`limit` on the hard side."""
        return value > self.limit if self.higher_is_harder else value < self.limit


_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*|\d+")
# A sentence ends at ., ! or ? followed by a space or the end, after a closing quote or bracket if any.
_SENTENCE_END = re.compile(r"[.!?]+['\"”’)\]]*(?:\s|$)")
_ENGLISH_VOWELS = re.compile(r"[aeiouy]+")
_SPANISH_VOWELS = re.compile(r"[aeiouáéíóúü]+")
_SPANISH_STRONG = frozenset("aeoáéóíú")
"""Vowels that do not join the next strong one in a syllable (an accented "í" or "ú" counts as strong)."""


@dataclass(frozen=True, slots=True)
class Readability:
    """What the reading figures are made of, for one text."""

    words: int
    sentences: int
    syllables: int

    @property
    def words_per_sentence(self) -> float:
        """The average sentence length, in words (0.0 for a text with no words)."""
        return self.words / self.sentences if self.words else 0.0

    @property
    def syllables_per_word(self) -> float:
        """The average word length, in syllables (0.0 for a text with no words)."""
        return self.syllables / self.words if self.words else 0.0

    @property
    def grade(self) -> float:
        """The Flesch-Kincaid grade level, for English (0.0 for a text with no words)."""
        if not self.words:
            return 0.0
        return 0.39 * self.words_per_sentence + 11.8 * self.syllables_per_word - 15.59

    @property
    def ease(self) -> float:
        """The Fernández-Huerta reading ease, for Spanish (0.0 for a text with no words)."""
        if not self.words:
            return 0.0
        return 206.84 - 1.02 * self.words_per_sentence - 60.0 * self.syllables_per_word


def syllables(word: str) -> int:
    """The number of syllables in one English word, by rule of thumb; a number counts one per digit.

    "law" 1, "lawyer" 2, "detainer" 3, "immigration" 4, "released" 2,
    "table" 2 (a final "le" after a consonant is a syllable), "courthouse" 2.
    """
    if word.isdigit():
        return len(word)
    word = word.lower().replace("’", "'").split("'")[0]
    if len(word) <= 3:
        return 1
    if word.endswith("le") and word[-3] not in "aeiouy":
        trimmed = word[:-2]
        extra = 1
    else:
        trimmed = re.sub(r"(?:[^aeiouycgsxzh]es|[^aeiouytd]ed|[^aeiouy]e)$", lambda m: m.group()[0], word)
        extra = 0
    return max(1, len(_ENGLISH_VOWELS.findall(trimmed)) + extra)


def syllables_es(word: str) -> int:
    """The number of syllables in one Spanish word, by rule of thumb; a number counts one per digit.

    "ley" 1, "ciudad" 2 (a diphthong), "leer" 2 and "país" 2 (hiatus),
    "detención" 3, "inmigración" 4, "guerra" 2 (a silent "u").
    """
    if word.isdigit():
        return len(word)
    word = re.sub(r"y$", "i", word.lower())
    word = re.sub(r"(?<=[qg])u(?=[eiéí])", "", word)
    count = 0
    for group in _SPANISH_VOWELS.findall(word):
        count += 1 + sum(1 for a, b in pairwise(group) if a in _SPANISH_STRONG and b in _SPANISH_STRONG)
    return max(1, count)


def measure(text: str, syllables_of: Callable[[str], int] = syllables) -> Readability:
    """Count the words, sentences and syllables of ``text``, with ``syllables_of`` (:func:`syllables_es` for Spanish).

    A text with words has at least one sentence.
    """
    words = _WORD.findall(text)
    sentences = max(1, len(_SENTENCE_END.findall(text.strip()))) if words else 0
    return Readability(len(words), sentences, sum(syllables_of(word) for word in words))


def grade_level(text: str) -> float:
    """The Flesch-Kincaid grade level of English ``text``: about the US school year a reader needs."""
    return measure(text).grade


def reading_ease_es(text: str) -> float:
    """The Fernández-Huerta reading ease of Spanish ``text``: 60 to 70 is about 8th to 9th grade."""
    return measure(text, syllables_es).ease


SCALES = {
    "en": Scale("English", "grade", f"aim: about {TARGET_GRADE:g}", HARD_GRADE, True, syllables),
    "es": Scale(
        "Spanish", "reading ease", "higher is easier; about 8th grade is 60 to 70", HARD_EASE, False, syllables_es
    ),
}
"""The languages with a formula, by language code: ``faqbot check --readability`` scores these."""
