"""Peak memory (RSS) of a process holding one FAQ, measured in a fresh child process.

The parent runs ``python -m benchmarks.memory FAQ_DIR SEEDS_DIR``; the child
imports the engine, notes its peak RSS, loads the FAQ with
:meth:`bot.engine.Engine.load`, and prints its peak RSS again
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``, kilobytes on Linux) as JSON.
A fresh process per size keeps one size's garbage out of the next one's figure.

One trap: Linux carries ``ru_maxrss`` across ``exec``, and Python's
``subprocess`` starts a child with ``vfork`` + ``exec``, so a child started
directly reports the *parent's* peak (hundreds of MB once the parent holds a
10,000-entry FAQ). The child is therefore started through ``sh``, which
forks a small fresh process for it; the child also reports the kernel's own
high-water mark of its memory (``VmHWM`` in ``/proc/self/status``) as a
cross-check.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

from benchmarks.cases import ROOT, Case
from benchmarks.report import Row

SECTION = "Peak memory (RSS, MB) of a process holding the FAQ"
TIMEOUT = 300


def peak_mb() -> float:
    """The peak resident set size of this process so far, in MB (``ru_maxrss`` is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_mb() -> float:
    """The resident set size of this process now, in MB (``/proc/self/statm``; 0 where unavailable)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def high_water_mb() -> float:
    """The peak RSS of this process's current memory map (``VmHWM``, reset by exec), in MB; 0 where unavailable."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0.0


def measure_child(faq_dir: Path, seeds_dir: Path) -> dict[str, float]:
    """In this (child) process: peak RSS after imports, then after loading the FAQ."""
    from bot.engine import Engine

    imported = peak_mb()
    engine = Engine.load(faq_dir, seeds_dir)
    return {
        "entries": len(engine.faq.entries),
        "imported_mb": imported,
        "peak_mb": peak_mb(),
        "vmhwm_mb": high_water_mb(),
        "current_mb": current_mb(),
    }


def run(case: Case) -> tuple[list[Row], float]:
    """Measure ``case`` in a child process; return its row and the peak RSS in MB."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    command = [sys.executable, "-m", "benchmarks.memory", str(case.folder), str(case.seeds)]
    done = subprocess.run(
        ["sh", "-c", '"$@"; exit $?', "sh", *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=True,
    )
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    row = Row(
        SECTION,
        {
            "FAQ": case.label,
            "entries": int(figures["entries"]),
            "peak after imports": figures["imported_mb"],
            "peak after Engine.load": figures["peak_mb"],
            "VmHWM (check)": figures["vmhwm_mb"],
            "resident after load": figures["current_mb"],
            "FAQ's share of the peak": figures["peak_mb"] - figures["imported_mb"],
        },
    )
    return [row], float(figures["peak_mb"])


def main(argv: list[str]) -> int:
    """Child entry point: ``python -m benchmarks.memory FAQ_DIR SEEDS_DIR`` prints one JSON line."""
    faq_dir, seeds_dir = (Path(a) for a in argv)
    print(json.dumps(measure_child(faq_dir, seeds_dir)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
