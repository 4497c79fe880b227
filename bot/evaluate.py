"""Score the engine on a labelled question file (``faqbot eval``).

A labelled file is YAML: ``{questions: [{q: str, expect: [ids], lang: en|es}]}``.
``expect`` lists every entry that correctly answers (any one counts); an empty
list means the question is out of scope and must be declined.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bot.engine import Engine
from bot.errors import FAQError
from bot.yamlfile import load_yaml


@dataclass(frozen=True, slots=True)
class Labelled:
    """One labelled question."""

    q: str
    expect: frozenset[str]
    lang: str


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the engine did with one labelled question."""

    item: Labelled
    status: str
    answered: str | None
    suggested: tuple[str, ...]
    top: str | None
    top_score: float
    margin: float

    @property
    def correct(self) -> bool:
        """In scope and answered with an acceptable entry."""
        return self.status == "answer" and self.answered in self.item.expect

    @property
    def wrong(self) -> bool:
        """Answered, but not with an acceptable entry (includes any answer to an out-of-scope question)."""
        return self.status == "answer" and self.answered not in self.item.expect

    @property
    def helpful(self) -> bool:
        """Answered correctly, or a correct entry was among the suggestions."""
        return self.correct or bool(self.item.expect & set(self.suggested))


@dataclass(slots=True)
class Report:
    """The metrics of one run, overall and per language."""

    outcomes: list[Outcome] = field(default_factory=list)

    def metrics(self, lang: str | None = None) -> dict[str, float | int]:
        """Counts and rates for all questions, or for one language."""
        rows = [o for o in self.outcomes if lang is None or o.item.lang == lang]
        inside = [o for o in rows if o.item.expect]
        outside = [o for o in rows if not o.item.expect]

        def share(part: int, whole: int) -> float:
            return round(100.0 * part / whole, 1) if whole else 0.0

        return {
            "questions": len(rows),
            "in_scope": len(inside),
            "out_of_scope": len(outside),
            "correct_pct": share(sum(o.correct for o in inside), len(inside)),
            "wrong_pct": share(sum(o.wrong for o in rows), len(rows)),
            "helpful_pct": share(sum(o.helpful for o in inside), len(inside)),
            "declined_pct": share(sum(o.status != "answer" for o in outside), len(outside)),
            "none_for_out_of_scope_pct": share(sum(o.status == "none" for o in outside), len(outside)),
        }

    def languages(self) -> list[str]:
        """The languages present in the labelled file."""
        return sorted({o.item.lang for o in self.outcomes})


def load_labelled(path: Path, known_ids: Iterable[str] | None = None) -> list[Labelled]:
    """Read a labelled file; unknown ids in ``expect`` are an error (a typo would hide a miss)."""
    data, _ = load_yaml(path, max_bytes=5_000_000)
    if not isinstance(data, dict) or not isinstance(data.get("questions"), list):
        raise FAQError(path, 1, None, "expected {questions: [{q, expect, lang}, ...]}")
    known = set(known_ids) if known_ids is not None else None
    items: list[Labelled] = []
    for i, raw in enumerate(data["questions"], 1):
        if not isinstance(raw, dict) or not isinstance(raw.get("q"), str) or not isinstance(raw.get("expect"), list):
            raise FAQError(path, None, f"question #{i}", "each item needs q (text) and expect (list of ids)")
        expect = frozenset(str(x) for x in raw["expect"])
        if known is not None and expect - known:
            raise FAQError(path, None, f"question #{i}", f"unknown ids in expect: {sorted(expect - known)}")
        items.append(Labelled(raw["q"], expect, str(raw.get("lang", "en"))))
    return items


def evaluate(engine: Engine, items: Iterable[Labelled]) -> Report:
    """Run every labelled question through the engine."""
    report = Report()
    for item in items:
        match = engine.matcher.match(item.q)
        ranked = engine.matcher.rank(match.normalized, limit=2)
        top = ranked[0] if ranked else None
        margin = (ranked[0].score - ranked[1].score) if len(ranked) > 1 else (top.score if top else 0.0)
        report.outcomes.append(
            Outcome(
                item=item,
                status=match.status,
                answered=match.best.entry_id if match.status == "answer" and match.best else None,
                suggested=tuple(c.entry_id for c in match.candidates) if match.status != "answer" else (),
                top=top.entry_id if top else None,
                top_score=top.score if top else 0.0,
                margin=round(margin, 1),
            )
        )
    return report


@dataclass(frozen=True, slots=True)
class Change:
    """One labelled question whose reply differs between two runs (``faqbot eval --against``)."""

    before: Outcome
    after: Outcome

    @property
    def verdict(self) -> str:
        """``better``, ``worse``, or ``changed`` when the labels rank both replies the same.

        A wrong answer is the worst reply, then no correct answer, then no
        correct suggestion either.
        """

        def rank(o: Outcome) -> tuple[bool, bool, bool]:
            return (not o.wrong, o.correct, o.helpful)

        if rank(self.after) == rank(self.before):
            return "changed"
        return "better" if rank(self.after) > rank(self.before) else "worse"


def reply(outcome: Outcome) -> str:
    """A short description of the reply: the answer, the "did you mean" entries, or none (with any related entries)."""
    if outcome.status == "answer":
        return f"answer {outcome.answered}"
    if outcome.status == "suggest":
        return "did you mean " + ", ".join(outcome.suggested)
    return "none, related " + ", ".join(outcome.suggested) if outcome.suggested else "none"


def compare(before: Report, after: Report) -> tuple[dict[str, int], list[Change]]:
    """What moved between two runs over the same labelled questions.

    Returns how many more (or fewer) questions are correct, wrong and
    helpful in ``after``, and every question whose reply differs, in file order.
    """
    if [o.item for o in before.outcomes] != [o.item for o in after.outcomes]:
        raise ValueError("the two reports are not over the same labelled questions")
    moved = {
        name: sum(getattr(o, name) for o in after.outcomes) - sum(getattr(o, name) for o in before.outcomes)
        for name in ("correct", "wrong", "helpful")
    }
    changes = [Change(b, a) for b, a in zip(before.outcomes, after.outcomes, strict=True) if reply(b) != reply(a)]
    return moved, changes


def score_table(report: Report, width: int = 5) -> list[str]:
    """Top-score histogram of right vs wrong top matches: the evidence for the thresholds."""
    right = [o for o in report.outcomes if o.top in o.item.expect]
    wrong = [o for o in report.outcomes if o.top not in o.item.expect]
    lines = [
        f"{'score':>9}  {'right top':>9}  {'wrong top':>9}   (wrong = out of scope, or in scope but not an expected id)"
    ]
    for low in range(100 - width, -1, -width):
        r = sum(low <= o.top_score < low + width or (low == 100 - width and o.top_score == 100) for o in right)
        w = sum(low <= o.top_score < low + width or (low == 100 - width and o.top_score == 100) for o in wrong)
        if r or w:
            lines.append(f"{low:>4}-{low + width:<4}  {r:>9}  {w:>9}")
    return lines
