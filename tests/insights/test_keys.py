"""Servers are keyed by an HMAC of their id; the secret comes from the environment or a 0600 key file."""

from __future__ import annotations

import hashlib
import hmac
import stat
from pathlib import Path

import pytest

from bot.insights.keys import DM_KEY, SECRET_ENV, guild_key, key_file_for, load_secret

GUILD = 123456789012345678


def test_key_is_a_keyed_hash_not_the_id() -> None:
    key = guild_key(b"secret", GUILD)
    assert key == hmac.new(b"secret", str(GUILD).encode(), hashlib.sha256).hexdigest()[:32]
    assert str(GUILD) not in key
    assert guild_key(b"other", GUILD) != key
    assert guild_key(b"secret", GUILD + 1) != key


def test_direct_messages_share_one_fixed_key() -> None:
    assert guild_key(b"secret", None) == DM_KEY


def test_environment_secret_wins_and_no_key_file_is_made(tmp_path: Path) -> None:
    db = tmp_path / "insights.sqlite3"
    assert load_secret(db, {SECRET_ENV: "from-the-host-secret-store"}) == b"from-the-host-secret-store"
    assert not key_file_for(db).exists()


def test_key_file_is_created_once_with_owner_only_permissions(tmp_path: Path) -> None:
    db = tmp_path / "insights.sqlite3"
    first = load_secret(db, {})
    path = key_file_for(db)
    assert path.name == "insights.sqlite3.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) == 32
    assert load_secret(db, {}) == first


def test_loose_key_file_permissions_are_tightened(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    db = tmp_path / "insights.sqlite3"
    first = load_secret(db, {})
    key_file_for(db).chmod(0o644)
    assert load_secret(db, {}) == first
    assert stat.S_IMODE(key_file_for(db).stat().st_mode) == 0o600
    assert "0600" in caplog.text


def test_damaged_key_file_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "insights.sqlite3"
    key_file_for(db).write_text("abcd\n")
    key_file_for(db).chmod(0o600)
    with pytest.raises(ValueError, match="damaged"):
        load_secret(db, {})


def test_in_memory_database_gets_a_process_secret() -> None:
    assert len(load_secret(":memory:", {})) == 32
