"""``faqbot stats`` and ``faqbot gaps``: the operator's view of the insights database.

They read the file the bot writes (``--db``, else ``$INSIGHTS_DB`` from the
environment or ``.env``, else ``faqbot-insights.sqlite3``), never create one,
and show every server together unless ``--guild ID`` picks one (which needs
the same secret as the bot: ``$INSIGHTS_SECRET`` or the key file).
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TextIO

from bot.config import load_environment
from bot.engine import Engine
from bot.errors import FAQLoadError
from bot.insights.gaps import cluster
from bot.insights.keys import existing_secret, guild_key
from bot.insights.recorder import describe
from bot.insights.report import render_gaps, render_stats, titles_of
from bot.insights.store import InsightsStore, SchemaError
from bot.text import simplify

DEFAULT_DB = "faqbot-insights.sqlite3"


def add_arguments(parser: argparse.ArgumentParser, default_days: int) -> None:
    """The options ``faqbot stats`` and ``faqbot gaps`` share."""
    parser.add_argument(
        "--days",
        type=int,
        default=default_days,
        choices=range(1, 366),
        metavar="N",
        help=f"days back, 1-365 (default {default_days})",
    )
    parser.add_argument("--db", type=Path, help=f"insights database (default: $INSIGHTS_DB or {DEFAULT_DB})")
    parser.add_argument("--guild", type=int, metavar="ID", help="one server only (default: all servers together)")


def database_path(args: argparse.Namespace, env: Mapping[str, str]) -> Path | None:
    """``--db``, else ``$INSIGHTS_DB``, else the default file; ``None`` when insights are turned off."""
    if args.db is not None:
        return args.db
    if "INSIGHTS_DB" in env and not env["INSIGHTS_DB"].strip():
        return None
    return Path(env.get("INSIGHTS_DB", "").strip() or DEFAULT_DB)


def _faq_helpers(args: argparse.Namespace) -> tuple[dict[str, str], Callable[[str], str]]:
    """Entry titles and the matcher's normaliser from the FAQ, or nothing if it does not load."""
    try:
        engine = Engine.load(args.faq, args.seeds)
    except FAQLoadError:
        return {}, simplify
    return titles_of(engine.faq), engine.matcher.normalize


async def _report(args: argparse.Namespace, path: Path, key: str | None) -> str:
    """Open the database, read the window, render the report."""
    store = await InsightsStore.open(path, secret=b"")
    try:
        titles, normalize = _faq_helpers(args)
        scope = "all servers" if key is None else "this server"
        if args.command == "stats":
            return render_stats(await store.stats(key, args.days), titles, scope=scope)
        gaps = cluster(await store.unanswered(key, args.days), normalize=normalize)
        return render_gaps(gaps, args.days, scope=scope)
    finally:
        await store.close()


def main(args: argparse.Namespace, out: TextIO, err: TextIO, environ: Mapping[str, str] | None = None) -> int:
    """Run ``faqbot stats`` or ``faqbot gaps``; the exit code."""
    env = load_environment() if environ is None else environ
    path = database_path(args, env)
    if path is None:
        print("error: insights are turned off (INSIGHTS_DB is empty)", file=err)
        return 1
    if not path.is_file():
        print(f"error: no insights database at {path} (set INSIGHTS_DB or --db)", file=err)
        return 1
    key = None
    if args.guild is not None:
        try:
            secret = existing_secret(path, env)
        except (OSError, ValueError) as exc:
            print(f"error: cannot read the insights key ({describe(exc)})", file=err)
            return 1
        if secret is None:
            print(
                "error: --guild needs the bot's secret: INSIGHTS_SECRET or the key file beside the database", file=err
            )
            return 1
        key = guild_key(secret, args.guild)
    try:
        print(asyncio.run(_report(args, path, key)), file=out)
    except (sqlite3.Error, OSError, SchemaError) as exc:
        print(f"error: cannot read {path} ({describe(exc)})", file=err)
        return 1
    return 0
