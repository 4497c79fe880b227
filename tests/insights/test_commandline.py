"""``faqbot stats`` and ``faqbot gaps``: the operator reads the database the bot writes, never creating one."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.cli import build_parser
from bot.insights import commandline
from bot.insights.keys import guild_key, key_file_for, load_secret
from bot.insights.store import InsightsStore, utc_today
from tests.insights.conftest import event

GUILD = 222233334444555566


@pytest.fixture
async def filled(db_path: Path) -> Path:
    """A database with a key file and rows for two servers, one of them ``GUILD``."""
    secret = load_secret(db_path, {})
    store = await InsightsStore.open(db_path, secret=secret)
    mine = guild_key(secret, GUILD)
    today = utc_today()
    await store.record(
        [
            event(key=mine, day=today),
            event(key=mine, day=today, decision="none", entry="", text="48 hour rule?"),
            event(key="other", day=today, entry="e2"),
            event(key="other", day=today, decision="none", text="bond"),
        ]
    )
    await store.close()
    return db_path


def run(argv: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    """Run a parsed ``faqbot`` insights command; exit code, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    code = commandline.main(build_parser().parse_args(argv), out, err, env)
    return code, out.getvalue(), err.getvalue()


def test_stats_for_all_servers_and_for_one(filled: Path) -> None:
    code, out, _ = run(["stats", "--db", str(filled)], {})
    assert code == 0 and "all servers" in out and "4 replies in 2 servers" in out
    code, out, _ = run(["stats", "--days", "30", "--guild", str(GUILD)], {"INSIGHTS_DB": str(filled)})
    assert code == 0 and "2 replies" in out and "answered 1 (50%)" in out


def test_gaps_read_the_path_from_the_environment(filled: Path) -> None:
    code, out, _ = run(["gaps"], {"INSIGHTS_DB": str(filled)})
    assert code == 0 and "2 in 2 group(s)" in out and "1x 48 hour rule?" in out and "1x bond" in out


def test_guild_needs_the_bots_secret(filled: Path) -> None:
    key_file_for(filled).unlink()
    code, _, err = run(["stats", "--guild", str(GUILD), "--db", str(filled)], {})
    assert code == 1 and "INSIGHTS_SECRET" in err
    assert not key_file_for(filled).exists(), "the command line never creates a key"


def test_missing_or_turned_off_database(tmp_path: Path) -> None:
    code, _, err = run(["stats", "--db", str(tmp_path / "nothing.sqlite3")], {})
    assert code == 1 and "no insights database" in err
    assert not (tmp_path / "nothing.sqlite3").exists()
    code, _, err = run(["gaps"], {"INSIGHTS_DB": ""})
    assert code == 1 and "turned off" in err


def test_days_are_bounded() -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["stats", "--days", "0"])
