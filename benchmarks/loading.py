"""Load and reload time, and answering from the old FAQ while a reload runs.

Every figure is a full :meth:`bot.engine.Engine.load`: YAML parsing, schema
validation, the grounding check of every quote against its seed section,
and the matcher's index.

* **cold**: a new process's first load (no ``previous``), with the garbage
  collector on, as at start-up.
* **reload, unchanged**: ``previous=`` the live engine, no file changed.
* **reload, one file edited**: one entry file changed (an alternate phrasing
  edited, as a moderator would), ``previous=`` the live engine.

Both reloads run through :func:`bot.engine.load_in_thread`, the only way the
bot reloads (see below), with no questions meanwhile.

Then the old FAQ must be served throughout a reload. The edited-file reload
runs through :func:`bot.engine.load_in_thread`, exactly as
:meth:`bot.client.FAQBot.reload_faq` does (in a worker thread, with automatic
garbage collection paused until the new engine is built, then the heap frozen
for :data:`bot.engine.THAW_AFTER` seconds), while the event loop keeps
answering questions with the old engine (:meth:`~bot.engine.Engine.ask`).
Every answer is compared with the old engine's answer to the same question
before the reload, which proves the old FAQ was the one served. As in the bot,
two engines are alive (old and new), and a full collection runs first, so the
garbage left by the loads timed before is not collected (and charged) during
the reload: a bot that has run a while has none. The collector stays on for
the answers; the heap is unfrozen after each run, so every run and the
benchmarks after it start alike. Two loads:

* **paced**: :data:`PACED_RATE` questions per second, each on its own loop
  iteration, the loop asleep in between: a very busy bot. The target is
  judged on this one.
* **saturated**: questions back to back (``await asyncio.sleep(0)`` between
  them), the worst case. The loop then releases and retakes the GIL (its
  ``epoll`` call) several times per switch interval, and CPython's GIL gives
  the waiting reload thread a turn only when a whole switch interval passes
  without one: the reload is starved. Serving stops after
  ``saturated_limit`` seconds so the run stays bounded; the reload then ends alone.
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from benchmarks.cases import Case
from benchmarks.report import Row, Summary, summarize_ns
from bot.answer import Answer
from bot.engine import Engine, load_in_thread
from bot.faq import RESERVED_FILES

LOAD_SECTION = "Load and reload (s; includes validation and grounding)"
SERVE_SECTION = "Answering from the old FAQ while it reloads (1 file edited, reload by load_in_thread as in the bot)"
PACED_RATE = 100.0
"""Questions per second offered during the paced reload: far above a community bot's traffic."""
STALL_LIMIT_MS = 100.0
"""The longest a question may wait during a reload and still count as "served throughout":
0.1 s is the classic limit below which a response feels instant to a person."""


@dataclass(frozen=True, slots=True)
class Served:
    """One reload with answers given meanwhile."""

    load: str
    reload_seconds: float
    finished_while_serving: bool
    latency: Summary
    from_old: int

    @property
    def throughout(self) -> bool:
        """The reload finished while answers kept coming, each the old FAQ's, none stalled."""
        return (
            self.finished_while_serving
            and 0 < self.latency.count == self.from_old
            and self.latency.max < STALL_LIMIT_MS
        )


@dataclass(frozen=True, slots=True)
class LoadFigures:
    """What the targets are judged on (medians of the repeats)."""

    cold: float
    unchanged: float
    edited: float
    paced: Served
    saturated: Served


def edit_one_file(folder: Path, number: int) -> Path:
    """Change one alternate of the first entry of the first entry file (a moderator's edit); return the file."""
    path = sorted(p for p in folder.glob("*.yaml") if p.name not in RESERVED_FILES)[0]
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    alternates = data["entries"][0]["alternates"]
    alternates[-1] = f"edited phrasing number {number} of this question"
    path.write_text(yaml.dump(data, Dumper=yaml.CSafeDumper, allow_unicode=True, width=1000), encoding="utf-8")
    return path


def fingerprint(answer: Answer) -> tuple[str, str | None, str]:
    """What a member sees decided: status, entry and language."""
    return answer.status, answer.entry_id, answer.lang


async def serve_during_reload(case: Case, old: Engine, edit: int, rate: float | None, limit: float) -> Served:
    """Edit a file, reload in a thread, and answer from ``old`` meanwhile.

    ``rate``: questions per second (the loop sleeps between them), or
    ``None`` for back to back. Serving stops when the reload is done, or
    after ``limit`` seconds (then the reload is awaited without serving).

    A latency is what a member waits: from the moment the question is due
    (its slot in the paced schedule; back to back, the previous answer's
    end) to its answer. Timing only ``ask()`` would hide the waits the
    reload thread causes by holding the GIL (a garbage collection, a long
    C call): the question then just starts late.
    """
    questions = list(case.questions)
    expected = [fingerprint(old.ask(q)) for q in questions]
    edit_one_file(case.folder, edit)
    clock = time.perf_counter_ns
    samples: list[int] = []
    same = 0
    start = clock()
    stop = start + int(limit * 1e9)
    reload = asyncio.ensure_future(load_in_thread(case.folder, case.seeds, old))
    index = 0
    previous = start
    while not reload.done() and clock() < stop:
        if rate is None:
            await asyncio.sleep(0)
            due = previous
        else:
            due = start + int(index * 1e9 / rate)
            await asyncio.sleep(max(0.0, (due - clock()) / 1e9))
        if reload.done():
            break
        answer = old.ask(questions[index % len(questions)])
        previous = clock()
        samples.append(previous - due)
        same += fingerprint(answer) == expected[index % len(questions)]
        index += 1
    finished = reload.done()
    await reload
    took = (clock() - start) / 1e9
    load = "saturated (back to back)" if rate is None else f"paced, {rate:.0f}/s"
    return Served(load, took, finished, summarize_ns(samples or [0]), same)


def reload_alone(case: Case, old: Engine) -> tuple[float, Engine]:
    """Reload ``old`` as the bot does (:func:`~bot.engine.load_in_thread`), answering nothing meanwhile.

    Returns the seconds it took and the new engine. A full collection runs
    first and the heap is unfrozen after, as around :func:`serve_during_reload`.
    """
    gc.collect()
    start = time.perf_counter_ns()
    engine = asyncio.run(load_in_thread(case.folder, case.seeds, old))
    took = (time.perf_counter_ns() - start) / 1e9
    gc.unfreeze()
    return took, engine


def _median_run(runs: list[Served]) -> Served:
    """The run with the median reload time."""
    return sorted(runs, key=lambda r: r.reload_seconds)[(len(runs) - 1) // 2]


def run(case: Case, repeats: int, saturated_limit: float) -> tuple[list[Row], LoadFigures, Engine]:
    """Time cold loads, both reloads, and answering during reloads; return the last engine too."""
    cold: list[float] = []
    engine: Engine | None = None
    for _ in range(repeats):
        start = time.perf_counter_ns()
        engine = Engine.load(case.folder, case.seeds)
        cold.append((time.perf_counter_ns() - start) / 1e9)
    assert engine is not None
    # Each reload's engine is dropped at once: a bot holds two engines (old, new), never a third.
    unchanged: list[float] = []
    for _ in range(repeats):
        unchanged.append(reload_alone(case, engine)[0])
    edited: list[float] = []
    edits = 0
    for _ in range(repeats):
        edit_one_file(case.folder, edits := edits + 1)
        took, engine = reload_alone(case, engine)
        edited.append(took)
    paced_runs: list[Served] = []
    for _ in range(repeats):
        gc.collect()
        paced_runs.append(asyncio.run(serve_during_reload(case, engine, edits := edits + 1, PACED_RATE, 60.0)))
        gc.unfreeze()  # load_in_thread froze the heap; the next run starts as this one did
    gc.collect()
    saturated = asyncio.run(serve_during_reload(case, engine, edits + 1, None, saturated_limit))
    gc.unfreeze()
    figures = LoadFigures(
        cold=statistics.median(cold),
        unchanged=statistics.median(unchanged),
        edited=statistics.median(edited),
        paced=_median_run(paced_runs),
        saturated=saturated,
    )
    note = f"median of {repeats}" if repeats > 1 else "1 run"
    size = {"FAQ": case.label, "entries": len(engine.faq.entries)}
    rows = [
        Row(
            LOAD_SECTION,
            {
                **size,
                "cold load": figures.cold,
                "reload unchanged": figures.unchanged,
                "reload 1 file edited": figures.edited,
            },
            note,
        )
    ]
    for served, how in (
        (figures.paced, f"{note} (by reload time)"),
        (saturated, f"serving stops after {saturated_limit:g} s"),
    ):
        rows.append(
            Row(
                SERVE_SECTION,
                {
                    **size,
                    "questions offered": served.load,
                    "reload s": served.reload_seconds,
                    "done while serving": served.finished_while_serving,
                    "answered": served.latency.count,
                    "from old FAQ": served.from_old,
                    "p50 ms": served.latency.p50,
                    "p99 ms": served.latency.p99,
                    "max ms": served.latency.max,
                },
                how,
            )
        )
    return rows, figures, engine
