"""Group kept unanswered questions by similarity, so moderators see topics rather than lines.

"12 people asked about the 48-hour rule" is what a moderator needs to decide
which entry to write next; twelve near-identical lines are not. Clustering is
greedy and deterministic: texts are taken most-asked first, and each joins the
first group whose representative (its most-asked text) scores at least
:data:`GAP_THRESHOLD` (:func:`similarity`: rapidfuzz ``token_set_ratio``
blended with ``token_sort_ratio``), or starts a new group.
Scrubbing placeholders such as ``[phone]`` are ignored when comparing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.text import simplify

GAP_THRESHOLD = 72.0
"""How similar (0-100) two questions must be to count as the same gap."""

_PLACEHOLDER = re.compile(r"\[(?:mention|email|link|phone|a-number|number|name)\]")


def similarity(a: str, b: str, *, score_cutoff: float | None = None) -> float:
    """How alike two comparable texts are, 0-100.

    ``token_set_ratio`` alone scores 100 whenever one text's words are a subset
    of the other's ("ice" versus any question about ICE); averaging it with
    ``token_sort_ratio`` keeps one shared word from merging unrelated gaps.
    """
    return 0.5 * fuzz.token_set_ratio(a, b) + 0.5 * fuzz.token_sort_ratio(a, b)


@dataclass(frozen=True, slots=True)
class Gap:
    """One group of similar unanswered questions."""

    text: str
    count: int
    variants: tuple[tuple[str, int], ...]
    """Every other phrasing in the group with its count, most asked first."""


def comparable(text: str, normalize: Callable[[str], str] = simplify) -> str:
    """The form two texts are compared in: placeholders dropped, then ``normalize`` (or the simplified text)."""
    without = _PLACEHOLDER.sub(" ", text)
    return normalize(without) or simplify(text)


def cluster(
    texts: Iterable[tuple[str, int]],
    *,
    normalize: Callable[[str], str] = simplify,
    threshold: float = GAP_THRESHOLD,
) -> list[Gap]:
    """Group ``(text, count)`` pairs into gaps, largest first (ties by text).

    ``normalize`` can be the matcher's normaliser (``engine.matcher.normalize``),
    which also drops stop words and applies the FAQ's synonyms.
    """
    ordered = sorted(texts, key=lambda item: (-item[1], item[0]))
    keys: list[str] = []
    groups: list[list[tuple[str, int]]] = []
    for text, count in ordered:
        key = comparable(text, normalize)
        found = process.extractOne(key, keys, scorer=similarity, score_cutoff=threshold) if key else None
        if found is None:
            keys.append(key)
            groups.append([(text, count)])
        else:
            groups[found[2]].append((text, count))
    gaps = [Gap(group[0][0], sum(n for _, n in group), tuple(group[1:])) for group in groups]
    return sorted(gaps, key=lambda gap: (-gap.count, gap.text))
