"""Match latency: our matcher, the bare-rapidfuzz floor and naive difflib, on the same FAQ.

* **ours**: :meth:`bot.matcher.Matcher.match`, everything production does
  per question (cut, normalise, spelling correction, index look-up, re-rank,
  decision).
* **floor**: ``process.extractOne(prepared, matcher._texts,
  scorer=fuzz.token_sort_ratio)``: one rapidfuzz pass over every normalised
  phrasing with the scorer our re-rank uses; the question is prepared before
  the clock starts. No index, no decision: the least a rapidfuzz matcher does.
* **difflib**: ``difflib.get_close_matches(question, phrasings, n=1)`` on the
  raw question and every raw phrasing, what a bot without rapidfuzz would
  write. Linear in phrasings x length, so large FAQs time only a sample.

``prepare`` and ``rank`` are also timed on their own to show where ours
spends its time. Each method is warmed up on the first questions, then every
question is timed alone with :func:`time.perf_counter_ns`; the garbage
collector stays on, as in production (one full collection runs before,
so garbage left by the loads timed earlier is not charged to matching).
"""

from __future__ import annotations

import difflib
import gc
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from benchmarks.cases import Case
from benchmarks.report import Row, Summary, summarize_ns
from bot.engine import Engine

SECTION = "Match latency (ms per question)"
WARMUP = 20


@dataclass(frozen=True, slots=True)
class Plan:
    """How many questions each method is asked, and how often.

    ``rounds``: passes over all the case's questions for ours (and for the
    floor when it is not limited). ``floor_questions``/``difflib_questions``:
    ask only the first N questions, once each (0: every question).
    """

    rounds: int
    floor_questions: int
    difflib_questions: int


@dataclass(frozen=True, slots=True)
class MatchFigures:
    """The summaries the targets are judged on."""

    ours: Summary
    floor: Summary
    difflib: Summary


def time_each(call: Callable[[str], object], inputs: Sequence[str], rounds: int = 1, warmup: int = WARMUP) -> list[int]:
    """Nanoseconds of each ``call(x)``, ``rounds`` times over ``inputs``, after a warm-up on the first ``warmup``."""
    for item in inputs[:warmup]:
        call(item)
    clock = time.perf_counter_ns
    samples: list[int] = []
    for _ in range(rounds):
        for item in inputs:
            start = clock()
            call(item)
            samples.append(clock() - start)
    return samples


def raw_phrasings(engine: Engine) -> list[str]:
    """Every phrasing as written (question and alternates, every language): difflib's choices."""
    return [
        phrasing
        for entry in engine.faq.entries
        for text in entry.texts.values()
        for phrasing in (text.question, *text.alternates)
    ]


def run(case: Case, engine: Engine, plan: Plan) -> tuple[list[Row], MatchFigures]:
    """Time the three methods (and our two stages) on ``case``'s questions."""
    matcher = engine.matcher
    questions = list(case.questions)
    prepared = [matcher.prepare(q)[2] for q in questions]
    texts = matcher._texts
    phrasings = raw_phrasings(engine)
    floor_inputs = prepared[: plan.floor_questions or None]
    gc.collect()  # garbage left by the loads before is not this benchmark's to collect
    difflib_inputs = questions[: plan.difflib_questions or None]

    def floor(question: str) -> object:
        return process.extractOne(question, texts, scorer=fuzz.token_sort_ratio)

    def naive(question: str) -> object:
        return difflib.get_close_matches(question, phrasings, n=1)

    def rank(normalized: str) -> object:
        return matcher.rank(normalized, limit=matcher.thresholds.max_suggestions + 1)

    ours = summarize_ns(time_each(matcher.match, questions, plan.rounds))
    stage_prepare = summarize_ns(time_each(matcher.prepare, questions, plan.rounds))
    stage_rank = summarize_ns(time_each(rank, prepared, plan.rounds))
    # A method limited to a sample asks each question once; difflib warms up on one
    # question only, since on a big FAQ one question takes seconds.
    floor_summary = summarize_ns(time_each(floor, floor_inputs, 1 if plan.floor_questions else plan.rounds))
    difflib_summary = summarize_ns(time_each(naive, difflib_inputs, 1, warmup=1))

    size = {"FAQ": case.label, "entries": len(engine.faq.entries), "phrasings": len(texts)}
    rounds = f"{len(questions)} questions x {plan.rounds}"

    def row(method: str, summary: Summary, note: str) -> Row:
        cells = {**size, "method": method, "samples": summary.count}
        cells |= {"p50": summary.p50, "p99": summary.p99, "max": summary.max}
        return Row(SECTION, cells, note)

    rows = [
        row("ours: Matcher.match", ours, rounds),
        row("  of which prepare", stage_prepare, "normalise + spelling correction"),
        row("  of which rank", stage_rank, "index look-up + rapidfuzz re-rank of 64"),
        row("floor: rapidfuzz extractOne", floor_summary, _sample_note(len(floor_inputs), len(questions))),
        row("naive: difflib", difflib_summary, _sample_note(len(difflib_inputs), len(questions))),
    ]
    return rows, MatchFigures(ours, floor_summary, difflib_summary)


def _sample_note(asked: int, available: int) -> str:
    """Say when a method was timed on the first questions only (it is too slow for all)."""
    if asked < available:
        return f"first {asked} of {available} questions only (bounded: too slow for all)"
    return f"{asked} questions"
