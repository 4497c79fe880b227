"""Faults, with the real discord.py client against the loopback FakeDiscord.

* Reload under load: 1,000 ``/ask`` interactions stream in while 20 reloads
  alternate between two valid FAQ versions (A and B: different titles,
  answers, quotes and version hashes) and a broken one (C: a marker word and an
  ungrounded quote). Every interaction is answered within Discord's 3 seconds
  (the fake enforces it), every answer is wholly A or wholly B, and C never
  goes live. HTTP 429s are injected on the callback route meanwhile.
* Gateway drops mid-stream: a resumable one (interactions sent while the bot is
  away are replayed on RESUME) and an unresumable one (the bot IDENTIFYs again).
* HTTP 429 with ``retry_after`` on the interaction callback and on the
  follow-up webhook: the reply arrives after the wait, not lost.
* Shutdown: ``faqbot run`` in a subprocess gets SIGTERM, and separately SIGINT:
  the fake sees the gateway closed by the client (close code 1000/1001 ends the
  session) and the process exits 0 within 5 seconds.

Nothing sleeps to synchronise: the tests wait on the fake's own events.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.client import FAQBot
from bot.engine import Engine
from tests.conftest import DETAINER_QUOTE, FTCA_QUOTE, FAQBuilder, ask, entry, ftca_entry
from tests.fakediscord import FakeDiscord
from tests.fakediscord.minimal import running_client
from tests.hardening.conftest import (
    GUILD,
    MANAGE_GUILD,
    TIMEOUT,
    TOKEN,
    USER_ID,
    assert_payload_fits,
    faq_command,
    launch,
    make_live_bot,
    record,
    stop_within,
    subprocess_env,
)

pytestmark = pytest.mark.fakediscord(guilds=[GUILD])

INTERACTIONS = 1000
RELOADS = 20
WINDOW = 16
"""Interactions in flight at once (members do not wait for each other)."""
CALLBACK = r"^/interactions/\d+/[^/]+/callback$"
SHUTDOWN_LIMIT = 5.0
START_TIMEOUT = 30.0

DETAINER, FTCA = "detainer-is-request", "ftca-vs-personal-suit"
DETAINER_QUOTE_B = "can decline ICE detainer requests, particularly those without a judicial warrant"
FTCA_QUOTE_B = "personal-capacity suits against officers are limited and legally fraught"
DETAINER_SEED = {"seed": "004_eff2dd5aa25bedd4", "section": "1. Summary of the results"}
FTCA_SEED = {"seed": "003_44d31c13fabd0e6a", "section": "Executive summary"}

QUESTIONS = ("is an ice hold mandatory", "what is the ftca", "claim", "weather today")
"""An answer from each entry, a suggestion, and no match."""


def version(kind: str) -> list[dict[str, Any]]:
    """FAQ version A, B or C (broken): each entry's title, answer and quote carry the version."""
    marker = {"A": "alpha", "B": "bravo", "C": "charlie"}[kind]
    detainer_quote = {"A": DETAINER_QUOTE, "B": DETAINER_QUOTE_B, "C": "ICE detainers are always binding orders"}
    ftca_quote = FTCA_QUOTE_B if kind == "B" else FTCA_QUOTE
    detainer = entry(
        question=f"Is an ICE detainer an order, or only a request ({marker})?",
        answer=f"A fact-check found that ICE detainers are requests, not orders. Version {marker}.",
        citations=[{**DETAINER_SEED, "quote": detainer_quote[kind]}],
    )
    ftca = ftca_entry()
    ftca.update(
        question=f"What is the Federal Tort Claims Act (FTCA), version {marker}?",
        answer=f"Reporting says people usually sue the United States under the FTCA. Version {marker}.",
        citations=[{**FTCA_SEED, "quote": ftca_quote}],
    )
    return [detainer, ftca]


def write_version(folder: Path, kind: str) -> None:
    """Replace the entry file as a moderator's editor would: a new file moved into place."""
    staged = folder.parent / "main.yaml.staged"
    staged.write_text(yaml.safe_dump({"entries": version(kind)}, allow_unicode=True), encoding="utf-8")
    os.replace(staged, folder / "main.yaml")


def kind_of_text(text: str) -> set[str]:
    """Which versions' markers or quotes a text carries."""
    found = {k for k, marker in (("A", "alpha"), ("B", "bravo"), ("C", "charlie")) if marker in text}
    quotes = {DETAINER_QUOTE: "A", FTCA_QUOTE: "A", DETAINER_QUOTE_B: "B", FTCA_QUOTE_B: "B"}
    found |= {k for quote, k in quotes.items() if quote in text}
    return found


def versions_in(embed: dict[str, Any]) -> dict[str, set[str]]:
    """For each part of an answer embed (title, answer, each citation), the versions it belongs to."""
    parts = {"title": embed["title"], "answer": embed["description"]}
    parts.update({f"citation {i}": field["value"] for i, field in enumerate(embed.get("fields") or [])})
    return {name: kind_of_text(text) for name, text in parts.items()}


async def stream(
    fake: FakeDiscord,
    count: int,
    check: Callable[[int, str, dict[str, Any]], None],
    *,
    progress: asyncio.Condition | None = None,
    done: list[int] | None = None,
) -> None:
    """Send ``count`` /ask interactions, ``WINDOW`` at a time; ``check`` each callback as it arrives."""
    gate = asyncio.Semaphore(WINDOW)

    async def one(i: int) -> None:
        async with gate:
            question = QUESTIONS[i % len(QUESTIONS)]
            payload = fake.slash_command("ask", {"question": question}, user_id=USER_ID + i)
            check(i, question, await fake.interact(payload, TIMEOUT))
        if progress is not None and done is not None:
            async with progress:
                done[0] += 1
                progress.notify_all()

    await asyncio.gather(*(one(i) for i in range(count)))


async def test_reload_under_load_answers_everything_from_one_whole_version(
    fake_discord: FakeDiscord, make_faq: FAQBuilder
) -> None:
    folder = make_faq({"main.yaml": version("A")})
    expected = {"A": Engine.load(folder).faq.version}
    write_version(folder, "B")
    expected["B"] = Engine.load(folder).faq.version
    write_version(folder, "A")
    assert expected["A"] != expected["B"]

    bot = make_live_bot(folder)
    answers: Counter[str] = Counter()
    decisions: Counter[str] = Counter()
    reloads: Counter[str] = Counter()
    live_after: list[str] = []
    throttled = 0

    def check(i: int, question: str, body: dict[str, Any]) -> None:
        assert body["type"] == 4, body
        data = body["data"]
        assert data["allowed_mentions"] == {"parse": []}
        assert_payload_fits(data)
        (embed,) = data["embeds"]
        if question in QUESTIONS[:2]:
            parts = versions_in(embed)
            kinds = set().union(*parts.values())
            assert len(kinds) == 1 and kinds <= {"A", "B"}, (question, parts)
            assert all(found == kinds for found in parts.values()), parts
            answers[kinds.pop()] += 1
            decisions["answer"] += 1
        else:
            kinds = kind_of_text(str(data))
            assert kinds <= {"A"} or kinds <= {"B"}, (question, kinds)
            decisions["suggest" if question == "claim" else "none"] += 1

    async with running_client(bot, token=TOKEN, timeout=TIMEOUT):
        await bot.tree.sync()
        progress, done = asyncio.Condition(), [0]

        async def reloader() -> None:
            nonlocal throttled
            kinds = (["B", "A", "C"] * RELOADS)[:RELOADS]
            live = "A"
            for number, kind in enumerate(kinds, 1):
                async with progress:
                    await progress.wait_for(lambda n=number: done[0] >= n * INTERACTIONS // (RELOADS + 2))
                # One 429 at a time, each to a different reply: wait until the previous one was served
                # and its retry delivered (a retry meeting 429 after 429 is given up by discord.py at five).
                await fake_discord.wait_until(
                    lambda n=throttled: fake_discord.counters.rate_limits_served == n, TIMEOUT, "the previous 429"
                )
                for limited in [r for r in fake_discord.requests if r.rate_limited][-1:]:
                    await fake_discord.wait_for_request(lambda r, p=limited.path: r.path == p and r.status < 300)
                fake_discord.rate_limit_next("POST", CALLBACK, retry_after=0.05)
                throttled += 1
                before = bot.engine
                write_version(folder, kind)
                reply = (await faq_command(fake_discord, "reload", permissions=MANAGE_GUILD))["data"]["content"]
                if kind == "C":
                    assert reply.startswith("The FAQ was NOT reloaded") and "quote not found" in reply, reply
                    assert bot.engine is before
                    reloads["broken (refused)"] += 1
                else:
                    assert reply.startswith("FAQ reloaded: 2 entries are live."), reply
                    live = kind
                    reloads[f"valid {kind}"] += 1
                assert bot.engine.faq.version == expected[live]
                live_after.append(live)

        await asyncio.gather(stream(fake_discord, INTERACTIONS, check, progress=progress, done=done), reloader())

    assert sum(decisions.values()) == INTERACTIONS
    assert sum(reloads.values()) == RELOADS and reloads["broken (refused)"] >= 6
    assert answers["A"] and answers["B"], "answers came from both versions while reloading"
    limited = [r for r in fake_discord.requests if r.rate_limited]
    assert len(limited) == throttled == RELOADS and len({r.path for r in limited}) == throttled
    assert fake_discord.counters.interactions_dispatched == INTERACTIONS + RELOADS
    record(
        "reload under load",
        interactions=INTERACTIONS,
        answered=sum(decisions.values()),
        lost=INTERACTIONS - sum(decisions.values()),
        reloads=RELOADS,
        **{k.replace(" ", "_").replace("(", "").replace(")", ""): v for k, v in reloads.items()},
        answers_from_A=answers["A"],
        answers_from_B=answers["B"],
        suggest=decisions["suggest"],
        none=decisions["none"],
        callback_429s=throttled,
    )


def answered_correctly(engine_of: Callable[[], Engine]) -> Callable[[int, str, dict[str, Any]], None]:
    """A check that the reply is the right decision from the live FAQ."""

    def check(i: int, question: str, body: dict[str, Any]) -> None:
        faq = engine_of().faq
        title = body["data"]["embeds"][0]["title"]
        wanted = {
            QUESTIONS[0]: faq.by_id[DETAINER].question,
            QUESTIONS[1]: faq.by_id[FTCA].question,
            QUESTIONS[2]: faq.message("suggest_intro"),
            QUESTIONS[3]: faq.message("no_match"),
        }
        assert title == wanted[question], (question, title)

    return check


async def test_gateway_drops_mid_stream_lose_nothing(fake_discord: FakeDiscord, live_bot: FAQBot) -> None:
    check = answered_correctly(lambda: live_bot.engine)
    resumed = asyncio.ensure_future(live_bot.wait_for("resumed", timeout=TIMEOUT))

    # 1. Resumable drop while interactions keep coming: those sent while the bot is away wait in the
    #    session backlog and are replayed on RESUME.
    fake_discord.hold_connections()
    await fake_discord.drop_gateway(code=4000)
    away = [fake_discord.slash_command("ask", {"question": q}, user_id=USER_ID) for q in QUESTIONS]
    for payload in away:
        await fake_discord.dispatch_interaction(payload)
    fake_discord.release_connections()
    for payload in away:
        body = await fake_discord.wait_for_callback(payload["id"], TIMEOUT)
        check(0, payload["data"]["options"][0]["value"], body)
    await resumed
    await stream(fake_discord, 100, check)

    # 2. Unresumable drop (the session is gone): the bot IDENTIFYs again, then answers the next interaction.
    identifies = fake_discord.counters.identifies
    await fake_discord.drop_gateway(code=4000, resumable=False)
    await fake_discord.wait_until(
        lambda: fake_discord.counters.identifies > identifies and fake_discord.connected_sessions(),
        START_TIMEOUT,
        "a new IDENTIFY",
    )
    await stream(fake_discord, 100, check)

    counters = fake_discord.counters
    assert counters.gateway_drops == 2 and counters.resumes == 1 and counters.events_replayed >= len(away)
    record(
        "gateway drops",
        drops=counters.gateway_drops,
        resumes=counters.resumes,
        identifies=counters.identifies,
        replayed_events=counters.events_replayed,
        interactions=len(away) + 200,
        lost=0,
    )


async def test_http_429_on_a_reply_is_waited_out_and_delivered(fake_discord: FakeDiscord, live_bot: FAQBot) -> None:
    retry_after = 0.5
    fake_discord.rate_limit_next("POST", CALLBACK, retry_after=retry_after)
    payload = fake_discord.slash_command("ask", {"question": "is an ice hold mandatory"}, user_id=USER_ID)
    body = await fake_discord.interact(payload, TIMEOUT)
    assert body["data"]["embeds"][0]["title"] == live_bot.engine.faq.by_id[DETAINER].question
    attempts = [r for r in fake_discord.requests if r.path.startswith(f"/interactions/{payload['id']}/")]
    assert [(r.status, r.rate_limited) for r in attempts] == [(429, True), (attempts[-1].status, False)]
    assert 200 <= attempts[-1].status < 300
    assert attempts[1].time - attempts[0].time >= retry_after

    # The deferred reply of /faq reload goes through the follow-up webhook: a 429 there is waited out too.
    fake_discord.rate_limit_next("POST", r"^/webhooks/\d+/[^/]+$", retry_after=retry_after)
    reply = await faq_command(fake_discord, "reload", permissions=MANAGE_GUILD)
    assert reply["data"]["content"].startswith("FAQ reloaded")
    followups = [r for r in fake_discord.requests if r.path.startswith("/webhooks/")]
    assert followups[-2].status == 429 and 200 <= followups[-1].status < 300
    assert followups[-1].time - followups[-2].time >= retry_after
    assert fake_discord.counters.rate_limits_served == 2
    record("http 429", injected=2, delivered=2, retry_after_seconds=retry_after)


# --- shutdown of `faqbot run` ------------------------------------------------------------------


async def run_then_signal(
    fake: FakeDiscord, folder: Path, tmp_path: Path, signum: signal.Signals, insights_db: str
) -> tuple[int, float, str]:
    """Start ``faqbot run``, get one answer from it, send ``signum``; return (exit code, seconds to exit, stderr)."""
    log_path = tmp_path / "stderr.log"
    with log_path.open("wb") as stderr:
        process = await launch(fake, ["run"], subprocess_env(folder, insights_db), tmp_path, stderr)
        try:
            await fake.wait_until_ready(START_TIMEOUT)
            body = await ask(fake, "is an ice hold mandatory", user_id=USER_ID)
            assert body["data"]["embeds"][0]["title"] == Engine.load(folder).faq.by_id[DETAINER].question
            process.send_signal(signum)
            took = await stop_within(process, SHUTDOWN_LIMIT)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    return process.returncode, took, log_path.read_text(encoding="utf-8")


@pytest.mark.parametrize("insights", ["off", "on"])
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_faqbot_run_exits_0_within_5_seconds_of_a_signal(
    fake_discord: FakeDiscord, make_faq: FAQBuilder, tmp_path: Path, signum: signal.Signals, insights: str
) -> None:
    database = str(tmp_path / "insights.sqlite3") if insights == "on" else ""
    code, took, logs = await run_then_signal(fake_discord, make_faq(), tmp_path, signum, database)
    assert code == 0, logs[-3000:]
    assert not fake_discord.connected_sessions(), "the gateway connection is closed"
    assert "Traceback" not in logs and "Task was destroyed" not in logs and "Unclosed" not in logs
    record(f"shutdown {signum.name} insights={insights}", exit_code=code, exited_within_ms=int(took * 1000))


@pytest.mark.parametrize(
    "signum",
    [
        pytest.param(signal.SIGTERM, id="SIGTERM"),
        pytest.param(signal.SIGINT, id="SIGINT"),
    ],
)
async def test_a_signal_ends_the_gateway_session_with_a_clean_close(
    fake_discord: FakeDiscord, make_faq: FAQBuilder, tmp_path: Path, signum: signal.Signals
) -> None:
    """The fake sees the client close with 1000/1001, which ends the session; a crash or 4000 would not."""
    code, _, logs = await run_then_signal(fake_discord, make_faq(), tmp_path, signum, "")
    assert code == 0, logs[-3000:]
    (session,) = fake_discord.sessions.values()
    assert not session.connected and fake_discord.counters.sessions_invalidated == 0
    assert not session.resumable, "closed with 1000/1001 by the client: the session is over"
