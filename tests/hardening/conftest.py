"""Shared by the hardening tests: hostile text, Discord's limits, a live bot on FakeDiscord, and the figures.

* :func:`hostile_text` is the hypothesis strategy for what members type:
  arbitrary Unicode mixed with the fragments that cause trouble in a public
  server (mentions, masked links, markdown, zero-width and bidi controls,
  emoji, other scripts), empty and white-space-only strings, and strings up
  to 10,000 characters.
* :func:`assert_payload_fits` checks a message payload (Discord JSON, as the
  bot posts it) against Discord's documented limits.
* :func:`strings_in` lists every string of a payload, for "is the member's
  text echoed?" checks.
* ``live_bot`` is the real :class:`~bot.client.FAQBot` connected to the
  loopback FakeDiscord, commands synced (insights off: these tests are about
  answering; the tests that need ``/faq stats|gaps|settings|purge`` turn them on).
* :func:`launch` runs ``faqbot`` in a subprocess through the fake's launcher.
* :func:`record` keeps the figures the tests count (examples tried,
  interactions, reloads, faults); they are printed at the end of the run.
"""

from __future__ import annotations

import asyncio
import os
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from bot.client import FAQBot
from bot.config import Settings
from bot.engine import Engine
from tests.conftest import ASKER_ID, FAQBuilder
from tests.fakediscord import FakeDiscord, FakeGuild
from tests.fakediscord.launch import spawn
from tests.fakediscord.minimal import running_client

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "MTIz.SECRET-TOKEN-CANARY.xyz"
"""A recognisable bot token: it must never show up in a log, an error or a traceback."""
TOKEN_PARTS = ("MTIz.SECRET", "SECRET-TOKEN-CANARY", "CANARY.xyz")
GUILD_ID = 222233334444555566
CHANNEL_ID = 333344445555666677
USER_ID = ASKER_ID
MOD_ROLE = 555566667777888899
OTHER_ROLE = 666677778888999900
IMPOSTOR_ROLE = 777788889999000011
"""Named "moderators" like the real one, but not the id in MODERATOR_ROLE_IDS."""
MANAGE_GUILD = 1 << 5
EPHEMERAL = 64
GUILD = FakeGuild(
    id=GUILD_ID,
    channel_id=CHANNEL_ID,
    roles={MOD_ROLE: "moderators", OTHER_ROLE: "regulars", IMPOSTOR_ROLE: "moderators"},
)
TIMEOUT = 10.0

# Discord's documented limits.
CONTENT_MAX = 2000
EMBED_LIMITS = {"title": 256, "description": 4096, "field_name": 256, "field_value": 1024, "footer": 2048}
EMBED_TOTAL = 6000
EMBED_FIELDS_MAX = 25
ROWS_MAX = 5
ROW_ITEMS_MAX = 5
CUSTOM_ID_MAX = 100
LABEL_MAX = 80
PLACEHOLDER_MAX = 150
SELECT_OPTIONS_MAX = 25
OPTION_MAX = 100
CHOICES_MAX = 25
CHOICE_MAX = 100

# --- hostile text ----------------------------------------------------------------------------

ZERO_WIDTH_AND_BIDI = (
    "\u200b\u200c\u200d\u2060\ufeff"  # zero-width space/joiners, word joiner, BOM
    "\u200e\u200f\u061c"  # LRM, RLM, Arabic letter mark
    "\u202a\u202b\u202c\u202d\u202e"  # embeddings and overrides (U+202E: right-to-left override)
    "\u2066\u2067\u2068\u2069"  # isolates
)
CONTROL = "".join(chr(c) for c in range(32)) + "\x7f\x85\u2028\u2029"
EMOJI = "🔥🚨👮🏽‍♀️🇺🇸🇲🇽👨‍👩‍👧‍👦❤️‍🔥🧊✅❌⚖️🏛️🤡💀🙏🏾"
SPACES = " \t\n\r\u00a0\u1680\u2003\u2009\u202f\u3000"
MENTIONS = (
    "@everyone",
    "@here",
    "<@123456789012345678>",
    "<@!123456789012345678>",
    "<@&234567890123456789>",
    "<#345678901234567890>",
)
LINKS = (
    "[click](https://evil.example)",
    "[ice hold](<https://evil.example/x>)",
    "https://evil.example/free",
    "discord.gg/evil",
)
MARKDOWN = (
    "**bold**",
    "||spoiler||",
    "```\ncode\n```",
    "# Heading",
    "## sub",
    "> quote",
    "~~strike~~",
    "__under__",
    "-# tiny",
)
FRAGMENTS = (
    *MENTIONS,
    *LINKS,
    *MARKDOWN,
    "<t:0:R>",
    "ice hold",
    "detainer",
    "¿es obligatoria la orden de retención?",
    "ÍCÉ HÓLD",
    "лед задержание",
    "移民局拘留",
    "احتجاز الهجرة",
    "עצירה",
    "\u202eedloh eci",
    "i\u200bce h\u200bold",
)
DANGEROUS = ("@everyone", "@here", "<@", "<#", "evil.example", "discord.gg", "||", "](", "<t:")
"""Substrings that must never appear in a reply (the FAQ and language packs do not contain them)."""
CANARY = "Zq9canaryXw"
"""Put in a question, it must not come back in any reply."""


def hostile_text(max_size: int = 10_000) -> st.SearchStrategy[str]:
    """What members type: arbitrary Unicode and trouble-making fragments, empty to ``max_size`` characters."""
    piece = st.one_of(
        st.text(max_size=40),
        st.sampled_from(FRAGMENTS),
        st.text(alphabet=ZERO_WIDTH_AND_BIDI + CONTROL, min_size=1, max_size=12),
        st.text(alphabet=st.sampled_from(list(EMOJI)), min_size=1, max_size=12),
        st.text(alphabet=st.characters(categories=["Lo", "Mn", "Nd", "So", "Zs"]), min_size=1, max_size=20),
    )
    mixed = st.lists(piece, max_size=12).map("".join)
    long = st.tuples(mixed.filter(bool), st.integers(301, max_size)).map(
        lambda pair: (pair[0] * (pair[1] // len(pair[0]) + 1))[: pair[1]]
    )
    shapes = [
        mixed,
        st.just(""),
        st.text(alphabet=SPACES, min_size=1, max_size=60),
        st.text(alphabet=st.sampled_from(list(EMOJI)), min_size=1, max_size=60),
        st.text(alphabet=ZERO_WIDTH_AND_BIDI + CONTROL + SPACES, min_size=1, max_size=60),
    ]
    if max_size > 300:
        shapes.append(long)
    return st.one_of(*shapes)


def member_questions(engine: Engine) -> st.SearchStrategy[str]:
    """Hostile text, half the time wrapped around a real phrasing of ``engine``'s FAQ (so every decision occurs)."""
    phrasings = sorted({p for e in engine.faq.entries for t in e.texts.values() for p in (t.question, *t.alternates)})
    around = hostile_text(80)
    wrapped = st.builds(lambda a, q, b: f"{a} {q} {b}", around, st.sampled_from(phrasings), around)
    return st.one_of(hostile_text(), wrapped)


PROPERTY = settings(
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)
"""Deterministic (derandomised, no example database) and free of wall-clock deadlines."""


# --- Discord's limits ------------------------------------------------------------------------


def strings_in(value: Any) -> Iterator[str]:
    """Every string anywhere in a JSON-like value (keys excluded)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings_in(item)


def assert_embed_fits(embed: dict[str, Any]) -> None:
    """One embed within Discord's limits (each field and the 6,000 total)."""
    total = 0
    for key in ("title", "description"):
        text = embed.get(key) or ""
        assert len(text) <= EMBED_LIMITS[key], (key, len(text))
        total += len(text)
    assert embed.get("title"), "every reply embed has a title"
    fields = embed.get("fields") or []
    assert len(fields) <= EMBED_FIELDS_MAX
    for field in fields:
        assert 0 < len(field["name"]) <= EMBED_LIMITS["field_name"]
        assert 0 < len(field["value"]) <= EMBED_LIMITS["field_value"]
        total += len(field["name"]) + len(field["value"])
    footer = (embed.get("footer") or {}).get("text") or ""
    assert len(footer) <= EMBED_LIMITS["footer"]
    total += len(footer)
    assert total <= EMBED_TOTAL, total


def assert_components_fit(rows: list[dict[str, Any]]) -> None:
    """Action rows, buttons and selects within Discord's limits."""
    assert len(rows) <= ROWS_MAX
    for row in rows:
        items = row["components"]
        assert 0 < len(items) <= ROW_ITEMS_MAX
        for item in items:
            assert 0 < len(item.get("custom_id", "x")) <= CUSTOM_ID_MAX
            assert len(item.get("label") or "") <= LABEL_MAX
            assert len(item.get("placeholder") or "") <= PLACEHOLDER_MAX
            options = item.get("options") or []
            assert len(options) <= SELECT_OPTIONS_MAX
            for option in options:
                assert 0 < len(option["label"]) <= OPTION_MAX and 0 < len(option["value"]) <= OPTION_MAX


def assert_payload_fits(data: dict[str, Any]) -> None:
    """A whole message payload (content, embeds, components) within Discord's limits."""
    assert len(data.get("content") or "") <= CONTENT_MAX
    embeds = data.get("embeds") or []
    assert len(embeds) <= 10
    for embed in embeds:
        assert_embed_fits(embed)
    assert_components_fit(data.get("components") or [])


def assert_choices_fit(choices: list[dict[str, Any]]) -> None:
    """Autocomplete choices within Discord's limits."""
    assert len(choices) <= CHOICES_MAX
    for choice in choices:
        assert 0 < len(choice["name"]) <= CHOICE_MAX and 0 < len(str(choice["value"])) <= CHOICE_MAX


def assert_not_echoed(data: Any, question: str) -> None:
    """No dangerous fragment and no canary from ``question`` in any string of the reply ``data``."""
    text = "\n".join(strings_in(data))
    assert CANARY.casefold() not in text.casefold()
    for fragment in DANGEROUS:
        assert fragment not in text, (fragment, question[:200])


# --- the figures -----------------------------------------------------------------------------

FIGURES: defaultdict[str, dict[str, int]] = defaultdict(dict)


def record(section: str, **counts: int) -> None:
    """Keep figures counted by a test (shown in the terminal summary)."""
    FIGURES[section].update(counts)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print the figures the hardening tests counted."""
    if not FIGURES:
        return
    terminalreporter.section("hardening figures")
    for section, counts in sorted(FIGURES.items()):
        terminalreporter.write_line(f"{section}: " + ", ".join(f"{k}={v}" for k, v in counts.items()))


# --- a live bot on FakeDiscord ---------------------------------------------------------------


def bot_env(folder: Path, **extra: str) -> dict[str, str]:
    """Settings variables for a test bot over ``folder``: insights off, no cooldown in the way."""
    env = {
        "DISCORD_TOKEN": TOKEN,
        "FAQ_DIR": str(folder),
        "INSIGHTS_DB": "",
        "COOLDOWN_RATE": "1000000",
        "MODERATOR_ROLE_IDS": str(MOD_ROLE),
    }
    env.update(extra)
    return env


def make_live_bot(folder: Path, **extra: str) -> FAQBot:
    """A FAQBot over ``folder`` configured from ``bot_env`` (not yet connected)."""
    return FAQBot(Settings.from_env(bot_env(folder, **extra)), Engine.load(folder), guild_ready_timeout=0.05)


@pytest_asyncio.fixture
async def live_bot(fake_discord: FakeDiscord, make_faq: FAQBuilder) -> AsyncIterator[FAQBot]:
    """The real FAQBot over a small FAQ, connected to the fake, commands synced as an operator would."""
    client = make_live_bot(make_faq())
    async with running_client(client, token=TOKEN, timeout=TIMEOUT):
        await client.tree.sync()
        yield client


async def faq_command(fake: FakeDiscord, subcommand: str, options: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    """Run ``/faq <subcommand>``; return the immediate callback, or the follow-up's JSON after a deferral."""
    payload = fake.slash_command("faq", options, subcommand=subcommand, **kwargs)
    body = await fake.interact(payload, TIMEOUT)
    if body["type"] != 5:
        return body
    path = f"/webhooks/{fake.application_id}/{payload['token']}"
    followup = await fake.wait_for_request(lambda r: r.method == "POST" and r.path == path and r.status < 300, TIMEOUT)
    return {"type": "followup", "data": followup.json, "deferred": body}


# --- faqbot in a subprocess -------------------------------------------------------------------


def subprocess_env(folder: Path, insights_db: str) -> dict[str, str]:
    """The environment for ``faqbot run``: only this test's settings, the repository importable."""
    ours = ("DISCORD_TOKEN", "FAQ_DIR", "SEEDS_DIR", "INSIGHTS_DB", "INSIGHTS_SECRET", "MODERATOR_ROLE_IDS")
    env = {k: v for k, v in os.environ.items() if k not in ours and not k.startswith(("SHARD_", "COOLDOWN_"))}
    env.update(
        DISCORD_TOKEN=TOKEN, FAQ_DIR=str(folder), PYTHONPATH=str(ROOT), LOG_LEVEL="DEBUG", INSIGHTS_DB=insights_db
    )
    return env


async def launch(fake: FakeDiscord, argv: list[str], env: dict[str, str], cwd: Path, stderr: Any) -> Any:
    """``faqbot <argv>`` in a subprocess, pointed at ``fake``."""
    return await spawn(fake.base_url, argv, env=env, cwd=cwd, stdout=asyncio.subprocess.DEVNULL, stderr=stderr)


async def stop_within(process: Any, limit: float) -> float:
    """Wait for ``process`` to exit; fail (after killing it) if it takes longer than ``limit`` seconds."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    try:
        await asyncio.wait_for(process.wait(), limit)
    except TimeoutError:
        process.kill()
        await process.wait()
        pytest.fail(f"faqbot run did not exit within {limit} s of the signal")
    return loop.time() - started
