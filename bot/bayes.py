"""A second opinion for the matcher: naive Bayes over the FAQ's own phrasings.

The matcher's fuzzy score says how much a question looks like an entry's
best phrasing. This says something else: how likely each document (entry or
not-covered subject) is to have produced the question's words, judged from
all of its phrasings at once, against every other document. A word that
many of one entry's phrasings use and few of the others' counts for that
entry, however the words are ordered or spelled around it.

It learns from nothing but the phrasings moderators wrote, so it knows no
more than they do, and it picks nothing on its own: the matcher asks it only
whether the entry the fuzzy score already put first is also, by this
reckoning, nearly certain (see ``Thresholds.agree_answer`` in
:mod:`bot.matcher`).

The model is the textbook one. A document's probability of a word is the
share of its phrasings that use the word, smoothed (add-:data:`ALPHA`):
``P(word | doc) = (uses + ALPHA) / (total + ALPHA * vocabulary)``, where
``uses`` counts the document's phrasings with the word and ``total`` sums
``uses`` over its words. A question's words are independent given the
document, and every document is equally likely before the question is read.
Words no phrasing uses are left out: they say nothing about which document
fits.
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

ALPHA = 0.1
"""Add-alpha smoothing. Small, because a phrasing is a few words: a word one entry uses
in a handful of phrasings and another never uses is strong evidence."""


class NaiveBayes:
    """Document probabilities for a bag of normalised words; immutable once built, but for a cache of sums."""

    def __init__(self, uses: Sequence[Mapping[str, int]]) -> None:
        """Index ``uses``: per document (numbered by position), how many of its phrasings use each word."""
        totals = [sum(counts.values()) for counts in uses]
        documents_of: defaultdict[str, list[int]] = defaultdict(list)
        counts_of: defaultdict[str, list[int]] = defaultdict(list)
        for document, counts in enumerate(uses):
            for word, count in counts.items():
                documents_of[word].append(document)
                counts_of[word].append(count)
        vocabulary = len(documents_of)
        # log P(word | doc) = base[doc] + gain[word][doc], where the gain is 0 for
        # a document that never uses the word: a question then costs one step per
        # document that uses one of its words, plus one per document in all.
        self._base = array("d", (math.log(ALPHA / (total + ALPHA * vocabulary)) for total in totals))
        most = max((max(counts.values(), default=0) for counts in uses), default=0)
        gain = [math.log((count + ALPHA) / ALPHA) for count in range(most + 1)]
        self._documents: dict[str, array[int]] = {}
        self._gains: dict[str, array[float]] = {}
        for word, documents in documents_of.items():
            self._documents[word] = array("I", documents)
            self._gains[word] = array("d", map(gain.__getitem__, counts_of[word]))
        self._everyone: dict[int, float] = {}

    def _log_total(self, words: int) -> float:
        """The log of the sum over all documents of P(words | doc), if no document used any of the words.

        It depends on the number of words alone, so it is worked out once per length.
        """
        total = self._everyone.get(words)
        if total is None:
            top = max(words * base for base in self._base)
            total = top + math.log(sum(math.exp(words * base - top) for base in self._base))
            self._everyone[words] = total
        return total

    def _score(self, known: Sequence[str], document: int) -> float:
        """The log-likelihood, log P(known | document), of words that some phrasing uses."""
        score = len(known) * self._base[document]
        for word in known:
            documents = self._documents[word]
            at = bisect_left(documents, document)
            if at < len(documents) and documents[at] == document:
                score += self._gains[word][at]
        return score

    def at_least(self, words: Sequence[str], document: int, rivals: Iterable[int], probability: float) -> bool:
        """Whether P(document | words) is at least ``probability``, checking ``rivals`` first.

        The rivals (the matcher passes its runner-ups) are the documents most
        likely to hold the probability down. Against them alone it is cheap
        to work out, and it can only be higher than against every document,
        so most questions are settled there; only the rest pay for
        :meth:`probability` over every document.
        """
        known = self._known(words)
        own = self._score(known, document)
        scores = [own, *(self._score(known, rival) for rival in set(rivals) if rival != document)]
        top = max(scores)
        if math.exp(own - top) / sum(math.exp(score - top) for score in scores) < probability:
            return False
        return self._probability(known, document) >= probability

    def probability(self, words: Sequence[str], document: int) -> float:
        """P(document | words): how sure the model is that ``document`` produced ``words`` (0 to 1).

        Repeated words count each time; words no phrasing uses are ignored. With
        no known word at all, every document is as likely as any other.
        """
        return self._probability(self._known(words), document)

    def _known(self, words: Sequence[str]) -> list[str]:
        """The words some phrasing uses, repeats kept: the only ones that count."""
        return [word for word in words if word in self._documents]

    def _probability(self, known: Sequence[str], document: int) -> float:
        """:meth:`probability` for words already filtered by :meth:`_known`."""
        count = len(known)
        base = self._base
        gained: dict[int, float] = {}
        for word in known:
            get = gained.get
            for other, gain in zip(self._documents[word], self._gains[word], strict=True):
                gained[other] = get(other, 0.0) + gain
        scores = {other: count * base[other] + gain for other, gain in gained.items()}
        own = scores.get(document, count * base[document])
        everyone = self._log_total(count)
        top = max(everyone, own, *scores.values())
        # The documents that share no word with the question keep their base score:
        # the sum over all documents, less the base scores of those that do share one.
        rest = math.exp(everyone - top) - sum(math.exp(count * base[other] - top) for other in scores)
        total = max(rest, 0.0) + sum(math.exp(score - top) for score in scores.values())
        return min(1.0, math.exp(own - top) / total) if total > 0.0 else 0.0
