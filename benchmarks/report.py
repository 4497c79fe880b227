"""Percentiles, result rows and the printed table, shared by every benchmark.

Every benchmark returns :class:`Row` objects (one line of one section's
table) and :class:`Target` objects (a goal, the figure it was judged on, met
or not). :func:`render` turns them into the Markdown tables that
``python -m benchmarks`` prints and ``docs/benchmarks.md`` quotes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

Cell = float | int | str


@dataclass(frozen=True, slots=True)
class Summary:
    """Latencies of one measured series, in milliseconds."""

    count: int
    p50: float
    p99: float
    max: float


def percentile(ordered: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted, non-empty sequence (``fraction`` in 0-1)."""
    if not ordered:
        raise ValueError("no samples")
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def summarize_ns(samples: Iterable[int]) -> Summary:
    """p50, p99 and max of nanosecond samples, in milliseconds."""
    ordered = sorted(samples)
    if not ordered:
        raise ValueError("no samples")
    return Summary(
        count=len(ordered),
        p50=percentile(ordered, 0.50) / 1e6,
        p99=percentile(ordered, 0.99) / 1e6,
        max=ordered[-1] / 1e6,
    )


@dataclass(frozen=True, slots=True)
class Row:
    """One line of one section's table; ``cells`` maps a column title to its value."""

    section: str
    cells: dict[str, Cell]
    note: str = ""


@dataclass(frozen=True, slots=True)
class Target:
    """A goal from the issue, the figure it was judged on, and whether it was met."""

    goal: str
    measured: str
    met: bool


@dataclass
class Results:
    """Everything one run measured, in the order it was measured."""

    rows: list[Row] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)

    def extend(self, other: Results) -> None:
        """Append another benchmark's rows and targets."""
        self.rows += other.rows
        self.targets += other.targets


def fmt(value: Cell) -> str:
    """A cell as printed: floats with 3 significant decimals at most, thousands separated."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        if abs(value) >= 100:
            return f"{value:,.0f}"
        if abs(value) >= 10:
            return f"{value:.1f}"
        if abs(value) >= 1:
            return f"{value:.2f}"
        return f"{value:.3f}"
    return value


def _table(rows: Sequence[Row]) -> list[str]:
    """One Markdown table for rows of the same section (columns in first-seen order, notes last)."""
    columns: list[str] = []
    for row in rows:
        columns += [c for c in row.cells if c not in columns]
    has_notes = any(row.note for row in rows)
    header = columns + (["note"] if has_notes else [])
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for row in rows:
        cells = [fmt(row.cells[c]) if c in row.cells else "" for c in columns]
        if has_notes:
            cells.append(row.note)
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def render(results: Results) -> str:
    """Every section as a titled Markdown table, then the targets with ✓/✗."""
    lines: list[str] = []
    sections: list[str] = []
    for row in results.rows:
        if row.section not in sections:
            sections.append(row.section)
    for section in sections:
        lines += [f"### {section}", ""]
        lines += _table([r for r in results.rows if r.section == section])
        lines.append("")
    if results.targets:
        lines += ["### Targets", "", "| target | measured | met |", "|---|---|---|"]
        lines += [f"| {t.goal} | {t.measured} | {'✓' if t.met else '✗'} |" for t in results.targets]
        lines.append("")
    return "\n".join(lines)
