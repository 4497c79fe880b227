"""End-to-end throughput and latency of the real bot against the loopback fake Discord.

No network beyond 127.0.0.1. A :class:`tests.fakediscord.FakeDiscord` serves
the gateway and REST API in the benchmark's process; the client runs in a
process of its own, exactly as an operator runs it: ``faqbot sync`` then
``faqbot run`` (shipped FAQ, insights database on, production logging at
INFO into a file), started through :mod:`tests.fakediscord.launch`. Once it
is ready, the fake dispatches a burst of ``/ask`` interactions all at once
over the gateway. Each interaction's latency runs from its dispatch to the
arrival of its callback ``POST`` at the fake
(:attr:`tests.fakediscord.RecordedRequest.time`, :func:`time.monotonic`).
Throughput is what the client process sustains; the fake's own work (building
the payloads, parsing the bot's replies) runs in the other process and is not
charged to it. The client's CPU time during the burst (from ``/proc``) is
reported per interaction too: unlike throughput, it does not depend on
whether the fake or the client is the slower side.

The baseline is the same burst against
:class:`tests.fakediscord.minimal.MinimalClient` (``/ping``, an empty
discord.py handler), also in its own process, on a fresh fake, right before
the bot; each burst runs in a fresh benchmark process too (see
:func:`in_child`). Whatever the bot costs beyond it is the product's own cost.

The fake listens with aiohttp's default backlog (128), and discord.py opens
one connection per concurrent callback: in a burst of 1,000 the kernel
drops hundreds of SYNs and each retries after 1 s, which idles both
clients and says nothing about either. :func:`widen_backlog` raises the
fake's listen backlog to :data:`LISTEN_BACKLOG` first (the kernel caps it at
``net.core.somaxconn``); the burst then counts the kernel's listen overflows
and reports any in the table.

Per-member cooldown: every interaction comes from a distinct user id, so the
real cooldown code runs on every ``/ask`` (it tracks 1,000 members at once)
but never refuses one; the settings are untouched.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from benchmarks.cases import ROOT, SEEDS, SHIPPED_FAQ, eval_questions
from benchmarks.report import Row, Summary, summarize_ns
from tests.fakediscord import FakeDiscord
from tests.fakediscord.launch import DEFAULT_ENTRY, spawn

MINIMAL_ENTRY = "tests.fakediscord.minimal:main"
SECTION = "End-to-end burst against the loopback fake Discord (client in its own process)"
TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GbEnCh.benchmark-only-token-0123456789"
DEADLINE = 3.0
"""Discord's limit for acknowledging an interaction, in seconds."""
WARMUP = 20
START_TIMEOUT = 30.0
CALLBACK_ROUTE = "/interactions/{interaction_id}/{token}/callback"
LOCALES = {"en": "en-US", "es": "es-419"}
FIRST_USER_ID = 700_000_000_000_000_000
LISTEN_BACKLOG = 4096
NETSTAT = Path("/proc/net/netstat")

Payloads = Callable[[FakeDiscord, int], list[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class BurstFigures:
    """One burst: how many were answered, how fast, and how many missed the deadline."""

    client: str
    sent: int
    answered: int
    seconds: float
    latency: Summary
    late: int
    listen_overflows: int
    cpu_ms: float | None
    """The client process's CPU time during the burst per answered interaction (None where /proc is missing)."""

    @property
    def throughput(self) -> float:
        """Interactions answered per second, from the first dispatch to the last callback."""
        return self.answered / self.seconds if self.seconds else 0.0


def ask_payloads(fake: FakeDiscord, count: int) -> list[dict[str, Any]]:
    """``count`` ``/ask`` interactions cycling through tests/data/eval.yaml, each from a new member."""
    questions = eval_questions()
    return [
        fake.slash_command(
            "ask",
            {"question": questions[i % len(questions)][0]},
            user_id=FIRST_USER_ID + i,
            locale=LOCALES.get(questions[i % len(questions)][1], "en-US"),
        )
        for i in range(count)
    ]


def ping_payloads(fake: FakeDiscord, count: int) -> list[dict[str, Any]]:
    """``count`` ``/ping`` interactions with the same members and locales as :func:`ask_payloads`."""
    questions = eval_questions()
    return [
        fake.slash_command(
            "ping", user_id=FIRST_USER_ID + i, locale=LOCALES.get(questions[i % len(questions)][1], "en-US")
        )
        for i in range(count)
    ]


CLIENT_LOADS: dict[str, tuple[str, Payloads]] = {
    "baseline": ("baseline: MinimalClient /ping", ping_payloads),
    "bot": ("faqbot run: /ask", ask_payloads),
}
"""Each client's name in the table and the interactions it is sent."""
CLIENTS = tuple(CLIENT_LOADS)


def widen_backlog(fake: FakeDiscord, backlog: int = LISTEN_BACKLOG) -> None:
    """Let the started fake's listening socket queue ``backlog`` connections (``listen()`` again, on a dup)."""
    runner = fake._runner
    if runner is None:
        raise RuntimeError("start the fake first")
    for site in runner.sites:
        server = getattr(site, "_server", None)
        if server is None:
            raise RuntimeError("aiohttp's site no longer exposes its server; widen the backlog another way")
        for listening in server.sockets:
            with socket.socket(fileno=os.dup(listening.fileno())) as dup:
                dup.listen(backlog)


def listen_overflows() -> int:
    """The kernel's count of connections dropped by full listen queues (``TcpExt ListenOverflows``); 0 if unknown."""
    try:
        lines = [line.split() for line in NETSTAT.read_text().splitlines() if line.startswith("TcpExt:")]
        names, values = lines[0], lines[1]
        return int(values[names.index("ListenOverflows")])
    except (OSError, IndexError, ValueError):
        return 0


def _interaction_id(path: str) -> str:
    """The interaction id in ``/interactions/{id}/{token}/callback``."""
    return path.split("/")[2]


async def burst(fake: FakeDiscord, payloads: list[dict[str, Any]], timeout: float) -> tuple[float, list[float], int]:
    """Dispatch every payload at once, then wait for their callbacks.

    Returns the seconds from the first dispatch to the last callback, the
    latency of each answered interaction, and how many were never answered
    within ``timeout``.
    """
    sent: dict[str, float] = {}
    arrived: dict[str, tuple[float, int]] = {}
    scanned = len(fake.requests)
    first = time.monotonic()
    for payload in payloads:
        sent[payload["id"]] = time.monotonic()
        await fake.dispatch_interaction(payload)
    give_up = time.monotonic() + timeout
    while len(arrived) < len(sent) and time.monotonic() < give_up:
        await asyncio.sleep(0.01)
        for request in fake.requests[scanned:]:
            if request.route == CALLBACK_ROUTE and request.method == "POST":
                key = _interaction_id(request.path)
                if key in sent and key not in arrived:
                    arrived[key] = (request.time, request.status)
        scanned = len(fake.requests)
    latencies = [at - sent[key] for key, (at, status) in arrived.items() if status < 300]
    last = max((at for at, _ in arrived.values()), default=first)
    return last - first, latencies, len(sent) - len(latencies)


def cpu_seconds(pid: int) -> float | None:
    """The CPU time (user and system) process ``pid`` has used so far, from ``/proc``; ``None`` where unavailable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def client_env(work: Path) -> dict[str, str]:
    """The client process's whole environment: production settings (insights on, in ``work``), nothing inherited."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "DISCORD_TOKEN": TOKEN,
        "FAQ_DIR": str(SHIPPED_FAQ),
        "SEEDS_DIR": str(SEEDS),
        "INSIGHTS_DB": str(work / "insights.sqlite3"),
        "LOG_LEVEL": "INFO",
    }


async def start_client(kind: str, fake: FakeDiscord, work: Path, log: IO[bytes]) -> asyncio.subprocess.Process:
    """Start the ``kind`` client in its own process against ``fake``; return once it is ready, commands synced."""
    env = client_env(work)
    if kind == "baseline":
        argv, entry, command = ["--token", TOKEN, "--sync"], MINIMAL_ENTRY, "ping"
    else:
        syncing = await spawn(fake.base_url, ["sync"], env=env, cwd=ROOT, stdout=log, stderr=log)
        if await asyncio.wait_for(syncing.wait(), START_TIMEOUT) != 0:
            raise RuntimeError(f"faqbot sync exited {syncing.returncode}")
        argv, entry, command = ["run"], DEFAULT_ENTRY, "ask"
    process = await spawn(fake.base_url, argv, env=env, cwd=ROOT, stdout=log, stderr=log, entry=entry)
    try:
        await fake.wait_until_ready(START_TIMEOUT)
        await fake.wait_until(
            lambda: any(c["name"] == command for c in fake.global_commands), START_TIMEOUT, f"/{command} synced"
        )
    except BaseException:
        await stop_client(process)
        raise
    return process


async def stop_client(process: asyncio.subprocess.Process) -> None:
    """SIGTERM the client (the bot exits 0 on it) and wait; kill it if it lingers."""
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), START_TIMEOUT)
        except TimeoutError:
            process.kill()
            await process.wait()


async def measure(kind: str, count: int, work: Path) -> BurstFigures:
    """Start a fresh fake and a ``kind`` client, warm up one by one, then time one burst of ``count``."""
    name, payloads = CLIENT_LOADS[kind]
    timeout = _burst_timeout(count)
    log_path = work / "client.log"
    async with FakeDiscord() as fake:
        widen_backlog(fake)
        with log_path.open("ab") as log:
            try:
                process = await start_client(kind, fake, work, log)
            except (RuntimeError, TimeoutError) as exc:
                raise RuntimeError(f"{exc}; client log:\n{log_path.read_text(errors='replace')[-3000:]}") from exc
            try:
                for payload in payloads(fake, WARMUP):
                    await fake.interact(payload, START_TIMEOUT)
                batch = payloads(fake, count)
                overflows, cpu_before = listen_overflows(), cpu_seconds(process.pid)
                took, latencies, missing = await burst(fake, batch, timeout)
                overflows, cpu_after = listen_overflows() - overflows, cpu_seconds(process.pid)
                # Let the listeners the answers triggered (insights) finish before stopping.
                await asyncio.sleep(0.1)
            finally:
                await stop_client(process)
    samples = [int(s * 1e9) for s in latencies] or [0]
    late = missing + sum(1 for s in latencies if s >= DEADLINE)
    cpu_ms = None
    if cpu_before is not None and cpu_after is not None and latencies:
        cpu_ms = (cpu_after - cpu_before) * 1000 / len(latencies)
    return BurstFigures(name, count, len(latencies), took, summarize_ns(samples), late, overflows, cpu_ms)


def _burst_timeout(count: int) -> float:
    """How long a burst may wait for its callbacks before counting the rest as missing."""
    return max(60.0, count / 20)


def in_child(kind: str, count: int) -> BurstFigures:
    """Run :func:`measure` in a fresh process (``python -m benchmarks.endtoend KIND COUNT``).

    A process per burst keeps the rounds independent: in one process every
    burst leaves objects behind (about 26,000, even after a full collection),
    which slows the garbage collector, and so each later round, by 5-10%.
    """
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.endtoend", kind, str(count)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT * 2 + _burst_timeout(count),
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the {kind} burst failed ({done.returncode}):\n{done.stderr[-3000:]}")
    data = json.loads(done.stdout.strip().splitlines()[-1])
    data["latency"] = Summary(**data["latency"])
    return BurstFigures(**data)


def median_round(rounds: list[BurstFigures]) -> BurstFigures:
    """The round with the median throughput (the lower middle one for an even count)."""
    return sorted(rounds, key=lambda r: r.throughput)[(len(rounds) - 1) // 2]


def run(count: int, rounds: int = 1) -> tuple[list[Row], BurstFigures, BurstFigures]:
    """``rounds`` x (baseline burst, then bot burst), each burst in its own fresh process.

    The table shows, for each client, its round with the median throughput,
    and every round's throughput in the note.
    """
    results = [(in_child("baseline", count), in_child("bot", count)) for _ in range(rounds)]
    baseline = median_round([b for b, _ in results])
    ours = median_round([o for _, o in results])
    rows = []
    for figures, every in ((baseline, [b for b, _ in results]), (ours, [o for _, o in results])):
        share = figures.throughput / baseline.throughput * 100 if baseline.throughput else float("nan")
        rows.append(
            Row(
                SECTION,
                {
                    "client": figures.client,
                    "interactions": figures.sent,
                    "answered": figures.answered,
                    "seconds": figures.seconds,
                    "per second": figures.throughput,
                    "% of baseline": share,
                    "p50 ms": figures.latency.p50,
                    "p99 ms": figures.latency.p99,
                    "max ms": figures.latency.max,
                    "client CPU ms": figures.cpu_ms if figures.cpu_ms is not None else "n/a",
                    "past 3 s": figures.late,
                    "listen overflows": figures.listen_overflows,
                },
                _rounds_note(every),
            )
        )
    return rows, baseline, ours


def _rounds_note(rounds: list[BurstFigures]) -> str:
    """Every round's throughput, when there was more than one."""
    if len(rounds) < 2:
        return ""
    each = ", ".join(f"{r.throughput:.0f}" for r in rounds)
    return f"median of {len(rounds)} rounds ({each}/s)"


def main(argv: list[str]) -> int:
    """Child entry point: ``python -m benchmarks.endtoend baseline|bot COUNT`` prints one JSON line."""
    kind, count = argv[0], int(argv[1])
    if kind not in CLIENTS:
        raise SystemExit(f"client must be one of {CLIENTS}, not {kind!r}")
    with tempfile.TemporaryDirectory(prefix="faqbot-e2e-") as folder:
        work = Path(folder)
        figures = asyncio.run(measure(kind, count, work))
    print(json.dumps(dataclasses.asdict(figures)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
