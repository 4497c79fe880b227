"""``python -m benchmarks [--quick]``: match latency, load/reload, memory and end-to-end, as one table.

The full run (shipped FAQ, synthetic FAQs of 1,000 and 10,000 entries, a
burst of 1,000 interactions) takes a few minutes on 2 cores. ``--quick``
runs every benchmark on small inputs (200 synthetic entries, 50
interactions) in well under a minute; CI runs it as a smoke test. Neither
asserts anything about speed: the targets are printed with ✓/✗.
See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks import cases, endtoend, loading, matching, memory
from benchmarks.report import Results, Row, Target, render
from bot.faq import load_faq


@dataclass(frozen=True, slots=True)
class Config:
    """Sizes and repetitions of one run."""

    sizes: tuple[int, ...]
    synthetic_questions: int
    shipped: matching.Plan
    synthetic: dict[int, matching.Plan]
    load_repeats: int
    saturated_limit: float
    interactions: int
    burst_rounds: int


FULL = Config(
    sizes=(1_000, 10_000),
    synthetic_questions=300,
    shipped=matching.Plan(rounds=5, floor_questions=0, difflib_questions=100),
    synthetic={
        1_000: matching.Plan(rounds=3, floor_questions=0, difflib_questions=25),
        10_000: matching.Plan(rounds=3, floor_questions=100, difflib_questions=5),
    },
    load_repeats=3,
    saturated_limit=10.0,
    interactions=1_000,
    burst_rounds=5,
)
QUICK = Config(
    sizes=(200,),
    synthetic_questions=50,
    shipped=matching.Plan(rounds=1, floor_questions=0, difflib_questions=20),
    synthetic={200: matching.Plan(rounds=1, floor_questions=0, difflib_questions=10)},
    load_repeats=1,
    saturated_limit=1.0,
    interactions=50,
    burst_rounds=1,
)

QUICK_NOTE = (
    f"A smoke run: far smaller than the targets' sizes ({QUICK.sizes[-1]:,} entries, not {FULL.sizes[-1]:,}; "
    f"a burst of {QUICK.interactions:,}, not {FULL.interactions:,}), so its marks say only that every part "
    "still runs. The figures of record are in docs/benchmarks.md."
)


def machine() -> str:
    """One line saying what ran the benchmark."""
    return f"Python {platform.python_version()} on {platform.machine()}, {_cpu()}, {_cores()} cores"


def _cpu() -> str:
    """The CPU model from /proc/cpuinfo, if readable."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _cores() -> int:
    """Cores this process may use."""
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def run(config: Config, work: Path, progress: bool = True) -> Results:
    """Every benchmark of ``config`` on FAQs built in ``work``; the rows and the judged targets."""

    def say(text: str) -> None:
        if progress:
            print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)

    results = Results()
    real = load_faq(cases.SHIPPED_FAQ, cases.SEEDS)
    say("building FAQs")
    all_cases = [cases.shipped(work)]
    all_cases += [cases.generated(real, work, size, config.synthetic_questions) for size in config.sizes]
    match_rows: list[Row] = []
    load_rows: list[Row] = []
    memory_rows: list[Row] = []
    figures: dict[str, tuple[matching.MatchFigures, loading.LoadFigures, float]] = {}
    for case in all_cases:
        say(f"{case.label}: load and reload")
        rows, load_figures, engine = loading.run(case, config.load_repeats, config.saturated_limit)
        load_rows += rows
        say(f"{case.label}: match latency")
        plan = config.synthetic[case.size] if case.synthetic else config.shipped
        rows, match_figures = matching.run(case, engine, plan)
        match_rows += rows
        del engine
        say(f"{case.label}: memory")
        rows, peak = memory.run(case)
        memory_rows += rows
        figures[case.label] = (match_figures, load_figures, peak)
    say(f"end to end: {config.burst_rounds} x {config.interactions} interactions, baseline then bot")
    e2e_rows, baseline, ours = endtoend.run(config.interactions, config.burst_rounds)
    results.rows += match_rows + load_rows + memory_rows + e2e_rows
    results.targets += targets(figures, all_cases[0].label, all_cases[-1].label, baseline, ours)
    return results


def targets(
    figures: dict[str, tuple[matching.MatchFigures, loading.LoadFigures, float]],
    shipped: str,
    largest: str,
    baseline: endtoend.BurstFigures,
    ours: endtoend.BurstFigures,
) -> list[Target]:
    """The issue's targets, judged; ``largest`` stands in for 10,000 entries in a quick run."""
    match, _, _ = figures[shipped]
    big_match, big_load, big_peak = figures[largest]
    share = ours.throughput / baseline.throughput * 100 if baseline.throughput else 0.0
    floor_ratio = match.ours.p99 / match.floor.p99 if match.floor.p99 else float("inf")
    paced = big_load.paced
    return [
        Target("shipped FAQ: match p99 <= 1 ms", f"{match.ours.p99:.3f} ms", match.ours.p99 <= 1.0),
        Target(
            "shipped FAQ: match p99 <= 2x the floor's p99",
            f"{floor_ratio:.2f}x ({match.ours.p99:.3f} vs {match.floor.p99:.3f} ms)",
            floor_ratio <= 2.0,
        ),
        Target(f"{largest}: match p99 <= 20 ms", f"{big_match.ours.p99:.2f} ms", big_match.ours.p99 <= 20.0),
        Target(
            f"{largest}: reload (1 file edited) < 2 s, alone and while answering {loading.PACED_RATE:.0f}/s",
            f"{big_load.edited:.2f} s alone, {paced.reload_seconds:.2f} s while answering",
            big_load.edited < 2.0 and paced.reload_seconds < 2.0,
        ),
        Target(
            f"{largest}: old FAQ served throughout the reload ({paced.load})",
            f"{paced.latency.count:,} answered, {paced.from_old:,} from the old FAQ, "
            f"p99 {paced.latency.p99:.2f} ms, longest {paced.latency.max:.1f} ms",
            paced.throughout,
        ),
        Target(f"{largest}: peak RSS <= 200 MB", f"{big_peak:.0f} MB", big_peak <= 200.0),
        Target(
            f"bot throughput >= 70% of the empty discord.py handler ({ours.sent:,}-interaction burst)",
            f"{share:.0f}%",
            share >= 70.0,
        ),
        Target(
            f"0 of {ours.sent:,} interactions past Discord's 3 s",
            f"{ours.late} (baseline {baseline.late})",
            ours.late == 0,
        ),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the options, run, print the table."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for CI's smoke test (under a minute)")
    options = parser.parse_args(argv)
    config = QUICK if options.quick else FULL
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="faqbot-bench-") as folder:
        results = run(config, Path(folder))
    print(f"## faqbot benchmarks{' (--quick)' if options.quick else ''}\n")
    print(f"{machine()}; took {time.perf_counter() - started:.0f} s.\n")
    if options.quick:
        print(QUICK_NOTE + "\n")
    print(render(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
