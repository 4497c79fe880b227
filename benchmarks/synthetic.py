"""Synthetic FAQs of any size, built from the shipped FAQ's own vocabulary.

Words are drawn with the frequencies they have in the real phrasings (so
"ice" and "police" are as common as in real questions, "orleans" as rare),
citations reuse real grounded quotes, and every entry has an English and a
Spanish version, so a synthetic FAQ passes the same validation and grounding
check as the real one.
"""

from __future__ import annotations

import random
import shutil
from collections import Counter
from pathlib import Path

import yaml

from bot.faq import FAQ
from bot.text import simplify

PHRASINGS_PER_ENTRY = 8
ENTRIES_PER_FILE = 500


def _vocabulary(faq: FAQ, lang: str) -> tuple[list[str], list[int]]:
    """Words of the real phrasings in ``lang`` and how often each occurs."""
    counts: Counter[str] = Counter()
    for entry in faq.entries:
        text = entry.text(lang)
        for phrasing in (text.question, *text.alternates):
            counts.update(simplify(phrasing).split())
    words = sorted(counts)
    return words, [counts[w] for w in words]


def _sentence(rng: random.Random, words: list[str], weights: list[int], low: int, high: int) -> str:
    """A phrasing of ``low``-``high`` words drawn by frequency."""
    return " ".join(rng.choices(words, weights, k=rng.randint(low, high)))


def questions(faq: FAQ, count: int, seed: int = 7) -> list[str]:
    """Realistic-looking questions for a synthetic FAQ (same vocabulary)."""
    rng = random.Random(seed)
    words, weights = _vocabulary(faq, "en")
    return [_sentence(rng, words, weights, 3, 14) for _ in range(count)]


def write_faq(real: FAQ, target: Path, entries: int, seed: int = 1) -> Path:
    """Write a valid FAQ folder of ``entries`` synthetic entries (with seeds beside it); return the folder."""
    rng = random.Random(seed)
    folder = target / "faq"
    folder.mkdir(parents=True)
    shutil.copytree(real.folder / "languages", folder / "languages")
    for reserved in ("topics.yaml", "synonyms.yaml"):
        shutil.copy(real.folder / reserved, folder / reserved)
    shutil.copytree(real.folder.resolve().parent / "seeds", target / "seeds")
    en_words, en_weights = _vocabulary(real, "en")
    es_words, es_weights = _vocabulary(real, "es")
    citations = [
        {"seed": c.seed, "section": c.section, "quote": c.quote} for entry in real.entries for c in entry.citations
    ]
    topics = sorted(real.topics)
    batch: list[dict[str, object]] = []
    for number in range(entries):
        batch.append(
            {
                "id": f"synthetic-{number:05d}",
                "question": _sentence(rng, en_words, en_weights, 6, 12).capitalize() + "?",
                "alternates": [
                    *dict.fromkeys(_sentence(rng, en_words, en_weights, 2, 10) for _ in range(PHRASINGS_PER_ENTRY - 2)),
                    f"synthetic question {number}",
                ],
                "answer": _sentence(rng, en_words, en_weights, 40, 70)[:600],
                "citations": [dict(rng.choice(citations))],
                "topics": [rng.choice(topics)],
                "translations": {
                    "es": {
                        "question": _sentence(rng, es_words, es_weights, 6, 12)[:150],
                        "answer": _sentence(rng, es_words, es_weights, 40, 70)[:600],
                        "alternates": [f"pregunta sintetica {number} {i}" for i in range(4)],
                    }
                },
            }
        )
        if len(batch) == ENTRIES_PER_FILE or number == entries - 1:
            name = folder / f"synthetic-{number // ENTRIES_PER_FILE:03d}.yaml"
            dumped = yaml.dump({"entries": batch}, Dumper=yaml.CSafeDumper, allow_unicode=True, width=1000)
            name.write_text(dumped, encoding="utf-8")
            batch = []
    return folder
