"""How hard an English answer is to read: the Flesch-Kincaid grade level.

The FAQ aims at a reader of about 8th grade (issue #3). This module measures
it, so that ``faqbot check --readability`` can list the answers that need
plainer words or shorter sentences. The grade is the standard formula:

    0.39 * words per sentence + 11.8 * syllables per word - 15.59

Syllables are counted by a rule of thumb (groups of vowels, less a silent
final "e"), as every readability tool without a dictionary does; it is off by
one now and then on a word, which moves a paragraph's grade by a few tenths at
most. The grade is a guide for moderators, not a gate on loading: a legal
answer needs some long words ("jurisdiction", "immigration") that no rewording
removes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TARGET_GRADE = 8.0
"""The reading level the answers aim at: about 8th grade."""

HARD_GRADE = 11.0
"""Above this an answer is listed by ``faqbot check --readability`` as one to reword."""

_WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)*|\d+")
# A sentence ends at ., ! or ? followed by a space or the end, after a closing quote or bracket if any.
_SENTENCE_END = re.compile(r"[.!?]+['\"”’)\]]*(?:\s|$)")
_VOWEL_GROUP = re.compile(r"[aeiouy]+")


@dataclass(frozen=True, slots=True)
class Readability:
    """What the grade is made of, for one text."""

    words: int
    sentences: int
    syllables: int

    @property
    def grade(self) -> float:
        """The Flesch-Kincaid grade level (0.0 for a text with no words)."""
        if not self.words:
            return 0.0
        return 0.39 * self.words / self.sentences + 11.8 * self.syllables / self.words - 15.59

    @property
    def words_per_sentence(self) -> float:
        """The average sentence length, in words (0.0 for a text with no words)."""
        return self.words / self.sentences if self.words else 0.0


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
    return max(1, len(_VOWEL_GROUP.findall(trimmed)) + extra)


def measure(text: str) -> Readability:
    """Count the words, sentences and syllables of ``text`` (a text with words has at least one sentence)."""
    words = _WORD.findall(text)
    sentences = max(1, len(_SENTENCE_END.findall(text.strip()))) if words else 0
    return Readability(len(words), sentences, sum(syllables(word) for word in words))


def grade_level(text: str) -> float:
    """The Flesch-Kincaid grade level of ``text``: about the US school year a reader needs."""
    return measure(text).grade
