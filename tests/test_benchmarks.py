"""The benchmark harness runs on tiny inputs and prints every row with numbers (never how fast they are)."""

from __future__ import annotations

import math
from pathlib import Path

from benchmarks import __main__ as bench
from benchmarks import endtoend, loading, matching, memory
from benchmarks.report import Results, percentile, render

TINY = bench.Config(
    sizes=(30,),
    synthetic_questions=8,
    shipped=matching.Plan(rounds=1, floor_questions=10, difflib_questions=2),
    synthetic={30: matching.Plan(rounds=1, floor_questions=0, difflib_questions=2)},
    load_repeats=1,
    saturated_limit=0.2,
    interactions=5,
    burst_rounds=1,
)


def test_percentile_is_nearest_rank() -> None:
    ordered = [float(i) for i in range(1, 101)]
    assert percentile(ordered, 0.5) == 50.0
    assert percentile(ordered, 0.99) == 99.0
    assert percentile([7.0], 0.99) == 7.0


def test_tiny_run_has_every_row_with_numbers(tmp_path: Path) -> None:
    results: Results = bench.run(TINY, tmp_path, progress=False)

    labels = ["shipped", "synthetic 30"]
    by_section: dict[str, list[dict[str, object]]] = {}
    for row in results.rows:
        by_section.setdefault(row.section, []).append(row.cells)
    assert [c["FAQ"] for c in by_section[matching.SECTION]] == [label for label in labels for _ in range(5)]
    assert [c["FAQ"] for c in by_section[loading.LOAD_SECTION]] == labels
    assert [c["FAQ"] for c in by_section[loading.SERVE_SECTION]] == [label for label in labels for _ in range(2)]
    assert [c["FAQ"] for c in by_section[memory.SECTION]] == labels
    assert len(by_section[endtoend.SECTION]) == 2
    assert set(by_section) == {
        matching.SECTION,
        loading.LOAD_SECTION,
        loading.SERVE_SECTION,
        memory.SECTION,
        endtoend.SECTION,
    }

    for row in results.rows:
        numbers = [v for v in row.cells.values() if isinstance(v, (int, float))]
        assert numbers, row
        assert all(math.isfinite(v) and v >= 0 for v in numbers), row
    for cells in by_section[matching.SECTION]:
        assert cells["samples"] > 0 and cells["p50"] <= cells["p99"] <= cells["max"]
    for cells in by_section[endtoend.SECTION]:
        assert cells["interactions"] == TINY.interactions

    assert len(results.targets) == 8
    table = render(results)
    for section in by_section:
        assert f"### {section}" in table
    assert table.count("✓") + table.count("✗") == len(results.targets)
