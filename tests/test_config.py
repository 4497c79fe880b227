"""Settings from the environment and ``.env``: parsing, validation, and keeping the token secret."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import ConfigError, Secret, Settings, load_environment, parse_dotenv
from bot.guild_settings import GuildSettings, StaticSettingsStore

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.recognisable-secret-token-value"


def env(**values: str) -> dict[str, str]:
    """A minimal valid environment plus ``values``."""
    return {"DISCORD_TOKEN": TOKEN, **values}


def problems(environment: dict[str, str]) -> list[str]:
    """The problems ``Settings.from_env`` reports for ``environment``."""
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(environment)
    return caught.value.problems


def test_defaults() -> None:
    settings = Settings.from_env(env())
    assert settings.token.reveal() == TOKEN
    assert settings.default_public is False and settings.public_allowed is True
    assert settings.moderator_role_ids == frozenset()
    assert (settings.cooldown_rate, settings.cooldown_per) == (5, 30.0)
    assert settings.log_level == "INFO" and settings.referral is None
    assert not settings.sharded and settings.shard_ids is None
    assert settings.insights_db == Path("faqbot-insights.sqlite3")
    assert settings.seeds_dir is None and settings.faq_dir.name == "faq"


def test_every_setting_is_read() -> None:
    settings = Settings.from_env(
        env(
            FAQ_DIR="/srv/faq",
            SEEDS_DIR="/srv/seeds",
            MODERATOR_ROLE_IDS="111111111111111111, 222222222222222222",
            REPLY_VISIBILITY="Public",
            ALLOW_PUBLIC_REPLIES="yes",
            REFERRAL_TEXT="Call the rapid-response line: 555-0100",
            LOG_LEVEL="debug",
            SHARD_COUNT="4",
            SHARD_IDS="0,2",
            INSIGHTS_DB="/var/lib/faqbot/insights.db",
            COOLDOWN_RATE="3",
            COOLDOWN_PER="10.5",
        )
    )
    assert settings.faq_dir == Path("/srv/faq") and settings.seeds_dir == Path("/srv/seeds")
    assert settings.moderator_role_ids == {111111111111111111, 222222222222222222}
    assert settings.default_public and settings.public_allowed
    assert settings.referral == "Call the rapid-response line: 555-0100"
    assert settings.log_level == "DEBUG"
    assert settings.sharded and settings.shard_count == 4 and settings.shard_ids == (0, 2)
    assert settings.insights_db == Path("/var/lib/faqbot/insights.db")
    assert (settings.cooldown_rate, settings.cooldown_per) == (3, 10.5)


@pytest.mark.parametrize(
    ("values", "variable"),
    [
        ({"MODERATOR_ROLE_IDS": "mods"}, "MODERATOR_ROLE_IDS"),
        ({"REPLY_VISIBILITY": "everyone"}, "REPLY_VISIBILITY"),
        ({"ALLOW_PUBLIC_REPLIES": "maybe"}, "ALLOW_PUBLIC_REPLIES"),
        ({"REPLY_VISIBILITY": "public", "ALLOW_PUBLIC_REPLIES": "false"}, "REPLY_VISIBILITY"),
        ({"REFERRAL_TEXT": "x" * 1001}, "REFERRAL_TEXT"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        ({"SHARD_COUNT": "0"}, "SHARD_COUNT"),
        ({"SHARD_IDS": "0,1"}, "SHARD_IDS"),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "0,2"}, "SHARD_IDS"),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "zero"}, "SHARD_IDS"),
        ({"COOLDOWN_RATE": "0"}, "COOLDOWN_RATE"),
        ({"COOLDOWN_PER": "-1"}, "COOLDOWN_PER"),
        ({"COOLDOWN_PER": "inf"}, "COOLDOWN_PER"),
    ],
)
def test_a_bad_value_names_its_variable(values: dict[str, str], variable: str) -> None:
    found = problems(env(**values))
    assert len(found) == 1 and found[0].startswith(variable), found


def test_every_problem_is_reported_at_once() -> None:
    found = problems({"LOG_LEVEL": "LOUD", "COOLDOWN_RATE": "many"})
    assert [p.split()[0] for p in found] == ["DISCORD_TOKEN", "LOG_LEVEL", "COOLDOWN_RATE"]


def test_a_missing_token_points_to_the_example_and_to_offline_use() -> None:
    (found,) = problems({})
    assert ".env.example" in found and "faqbot ask" in found


def test_the_token_never_shows() -> None:
    settings = Settings.from_env(env())
    for text in (repr(settings), str(settings), repr(settings.token), str(settings.token), f"{settings.token}"):
        assert TOKEN not in text
    assert "********" in repr(settings)
    bad = "not a token with spaces"
    (found,) = problems({"DISCORD_TOKEN": bad})
    assert bad not in found and "DISCORD_TOKEN" in found


def test_secret_compares_and_hashes_by_value() -> None:
    assert Secret("a") == Secret("a") and Secret("a") != Secret("b") and Secret("a") != "a"
    assert hash(Settings.from_env(env())) == hash(Settings.from_env(env()))


def test_dotenv_parsing() -> None:
    text = """
# a comment
DISCORD_TOKEN="quoted value"
export FAQ_DIR=/srv/faq
REFERRAL_TEXT='single # not a comment'
LOG_LEVEL=debug # trailing comment
EMPTY=
not a line
=no key
"""
    assert parse_dotenv(text) == {
        "DISCORD_TOKEN": "quoted value",
        "FAQ_DIR": "/srv/faq",
        "REFERRAL_TEXT": "single # not a comment",
        "LOG_LEVEL": "debug",
        "EMPTY": "",
    }


def test_the_environment_wins_over_dotenv(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("LOG_LEVEL=DEBUG\nCOOLDOWN_RATE=9\n", encoding="utf-8")
    merged = load_environment({"LOG_LEVEL": "ERROR"}, dotenv)
    assert merged == {"LOG_LEVEL": "ERROR", "COOLDOWN_RATE": "9"}
    assert load_environment({"A": "1"}, tmp_path / "missing.env") == {"A": "1"}


def test_every_variable_is_documented_in_env_example() -> None:
    documented = parse_dotenv((ROOT / ".env.example").read_text(encoding="utf-8"))
    commented = (ROOT / ".env.example").read_text(encoding="utf-8")
    read = set(re.findall(r'"([A-Z_]{3,})"', (ROOT / "bot" / "config.py").read_text()))
    for variable in read - {"INFO", "DEBUG", "WARNING", "ERROR"}:
        assert variable in documented or f"# {variable}=" in commented, variable


async def test_static_store_gives_the_environment_settings_to_every_server() -> None:
    settings = Settings.from_env(env(REPLY_VISIBILITY="public", REFERRAL_TEXT="Hotline 555-0100"))
    store = StaticSettingsStore(settings)
    expected = GuildSettings(default_public=True, public_allowed=True, referral="Hotline 555-0100")
    assert await store.get(123) == expected and await store.get(None) == expected
    assert expected.record_unanswered is False and expected.retention_days == 30


def test_run_without_a_token_exits_2(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert "DISCORD_TOKEN" in err and ".env.example" in err and "faqbot ask" in err


def test_run_with_a_broken_faq_exits_1_listing_every_problem(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, make_faq, capsys
) -> None:
    folder = make_faq({"a.yaml": "entries: [{id: Bad Id}]\n", "b.yaml": "entries: nope\n"})
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    monkeypatch.setenv("FAQ_DIR", str(folder))
    assert main(["run"]) == 1
    err = capsys.readouterr().err
    assert "a.yaml" in err and "b.yaml" in err and "nothing was loaded" in err
    assert TOKEN not in err


def test_bad_settings_exit_2_and_read_dotenv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys) -> None:
    (tmp_path / ".env").write_text(f"DISCORD_TOKEN={TOKEN}\nCOOLDOWN_RATE=lots\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.delenv("COOLDOWN_RATE", raising=False)
    assert main(["sync"]) == 2
    err = capsys.readouterr().err
    assert "COOLDOWN_RATE" in err and "DISCORD_TOKEN" not in err and TOKEN not in err


def test_faqbot_ask_never_imports_discord() -> None:
    code = "import sys; from bot.cli import main; main(['ask', 'ice hold']); print('discord' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "False"
