"""The FAQs benchmarked: a copy of the shipped one, and synthetic ones of a given size.

Every case lives in a temporary folder (FAQ and seeds side by side, as in
the repository), so the reload benchmark can edit a file without touching
the real FAQ.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from benchmarks import synthetic
from bot.evaluate import load_labelled
from bot.faq import FAQ

ROOT = Path(__file__).resolve().parent.parent
SHIPPED_FAQ = ROOT / "faq"
SEEDS = ROOT / "seeds"
EVAL_FILE = ROOT / "tests" / "data" / "eval.yaml"


@dataclass(frozen=True, slots=True)
class Case:
    """One FAQ to benchmark: where it is, what to call it, and which questions to ask it."""

    label: str
    folder: Path
    seeds: Path
    questions: tuple[str, ...]
    size: int
    """Entries asked for when generated; 0 for the shipped FAQ."""

    @property
    def synthetic(self) -> bool:
        """Whether the FAQ was generated."""
        return self.size > 0


def eval_questions(limit: int | None = None) -> list[tuple[str, str]]:
    """``(question, lang)`` pairs from tests/data/eval.yaml, in file order."""
    items = load_labelled(EVAL_FILE)
    return [(item.q, item.lang) for item in items[:limit]]


def shipped(work: Path) -> Case:
    """A copy of the shipped FAQ and seeds in ``work``, asked the labelled questions."""
    target = work / "shipped"
    shutil.copytree(SHIPPED_FAQ, target / "faq")
    shutil.copytree(SEEDS, target / "seeds")
    questions = tuple(q for q, _ in eval_questions())
    return Case("shipped", target / "faq", target / "seeds", questions, size=0)


def generated(real: FAQ, work: Path, entries: int, questions: int) -> Case:
    """A synthetic FAQ of ``entries`` entries in ``work``, asked ``questions`` synthetic questions."""
    folder = synthetic.write_faq(real, work / f"synthetic-{entries}", entries)
    asked = tuple(synthetic.questions(real, questions))
    return Case(f"synthetic {entries:,}", folder, folder.parent / "seeds", asked, size=entries)
