"""Text folding and normalisation, shared by the grounding check and the matcher.

Two different jobs, two functions:

* :func:`fold` is for *grounding*: it forgives only the differences a careful
  copy-paste can introduce (case, white space, typographic quotes and dashes),
  so a quote that passes really is verbatim.
* :class:`Normalizer` is for *matching*: it is deliberately forgiving (accents,
  punctuation, stop words, synonyms) because members type fast and misspell.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping

_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
    }
)
_SPACE = re.compile(r"\s+")


def fold(text: str) -> str:
    """Fold ``text`` for verbatim comparison: NFKC, case, quotes, dashes, white space."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(_QUOTES)
    return _SPACE.sub(" ", text).strip()


# Everything that is not a letter or a digit separates words. Zero-width and
# control characters count as separators too, so "i\u200bce" cannot hide a word.
_NON_WORD = re.compile(r"[^\w]+|_+")


def strip_accents(text: str) -> str:
    """Remove combining marks: "retención" becomes "retencion"."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# Discord markup (user, role and channel mentions, @everyone and @here, custom
# emoji, timestamps) and links carry no words of a question; their digits and
# names would read as unknown words.
_MARKUP = re.compile(r"<(?:@[!&]?|#|a?:\w+:|t:)\d+(?::\w)?>|(?<!\w)@(?:everyone|here)\b|\bhttps?://\S+", re.IGNORECASE)


# For ASCII text, the same separators as _NON_WORD as a translation table: a C pass, no regex.
_ASCII_SEPARATORS = str.maketrans({chr(c): " " for c in range(128) if not chr(c).isalnum()})


def simplify(text: str) -> str:
    """Drop Discord markup and links, lower-case, strip accents and turn punctuation into single spaces."""
    if "<" in text or "@" in text or "://" in text:
        text = _MARKUP.sub(" ", text)
    if text.isascii():
        return " ".join(text.lower().translate(_ASCII_SEPARATORS).split())
    text = strip_accents(text).casefold()
    return " ".join(_NON_WORD.sub(" ", text).split())


NOT_PLURALS = frozenset({"news", "always", "perhaps", "whereas"})
"""Words ending in "s" that are not plurals: "news" must not read as "new" (as in New Orleans)."""


_ENDINGS = ("ing", "ed", "es", "e", "s")
_VOWELS = frozenset("aeiouy")


def stem(word: str) -> str:
    """Fold common endings so that forms of one word compare equal; crude but safe.

    One ending goes, the first of "-ing", "-ed", "-es", "-e" or "-s" that the
    word has, as long as three letters with a vowel are left; then a doubled
    final consonant is halved. "ignore", "ignores", "ignoring" and "ignored"
    all read "ignor"; "arrests" and "arrested", "arrest"; "stopped", "stop";
    "federales", "federal". A final "s" after "ss", "us" or "is" stays
    ("access", "status", "analysis"), and so do words of four letters or
    fewer and :data:`NOT_PLURALS`.
    """
    if len(word) <= 4 or word in NOT_PLURALS:
        return word
    for ending in _ENDINGS:
        if word.endswith(ending):
            rest = word[: -len(ending)]
            if ending == "s" and rest.endswith(("s", "u", "i")):
                break
            if len(rest) >= 3 and not _VOWELS.isdisjoint(rest):
                word = rest
            break
    if word[-1] == word[-2] and word[-1] not in _VOWELS and word[-1] not in "ls":
        word = word[:-1]
    return word


class Normalizer:
    """Turns a question or a phrasing into the form the matcher compares.

    Synonyms map what members type to one canonical word or phrase
    ("ice hold" -> "detainer", "cops" -> "police"); they are applied to
    whole words, longest variant first, after :func:`simplify`. Stop words
    are then dropped, unless that would leave nothing, and word endings folded
    (:func:`stem`).
    """

    def __init__(self, synonyms: Mapping[str, Iterable[str]], stopwords: Iterable[str]) -> None:
        """Index the synonym table by first word, and the stop words, once."""
        table: dict[tuple[str, ...], str] = {}
        for canonical, variants in synonyms.items():
            target = simplify(canonical)
            # The canonical phrase maps to itself, so a longer canonical phrase
            # ("attorney general") is kept whole before a shorter variant
            # inside it ("attorney" -> lawyer) could split it.
            for key in (target, *(simplify(v) for v in variants)):
                if key:
                    table[tuple(key.split())] = target
        self._table = table
        self._longest: dict[str, int] = {}
        for key in table:
            self._longest[key[0]] = max(self._longest.get(key[0], 0), len(key))
        self._stopwords = frozenset(simplify(word) for word in stopwords)

    def _replace(self, words: list[str]) -> list[str]:
        """Apply the synonym table: at each word, the longest variant starting there wins."""
        out: list[str] = []
        i, count = 0, len(words)
        while i < count:
            longest = self._longest.get(words[i], 0)
            for size in range(min(longest, count - i), 0, -1):
                target = self._table.get(tuple(words[i : i + size]))
                if target is not None:
                    out.extend(target.split())
                    i += size
                    break
            else:
                out.append(words[i])
                i += 1
        return out

    def __call__(self, text: str, correct: Callable[[str], str] | None = None) -> str:
        """Return the normalised form of ``text`` (may be empty).

        ``correct``, if given, is applied to each word first: the matcher uses
        it to fix typos before synonyms are looked up ("mandatroy" ->
        "mandatory" -> "required").
        """
        words = simplify(text).split()
        if correct is not None:
            words = [correct(w) for w in words]
        words = self._replace(words)
        content = [w for w in words if w not in self._stopwords]
        return " ".join(stem(w) for w in content or words)

    @property
    def vocabulary(self) -> frozenset[str]:
        """Every word the synonym table and the stop-word list know."""
        return frozenset(w for key in self._table for w in key) | self._stopwords
