"""Server keys: the insights database never holds a raw Discord guild id.

Every server is stored under ``HMAC-SHA256(secret, guild id)`` (hex, cut to
128 bits), so the database alone does not say which communities use the bot.
The secret is ``$INSIGHTS_SECRET`` if set, otherwise 32 random bytes kept in a
key file beside the database (``<database>.key``, created once, mode 0600).

The trade-off, also explained in PRIVACY.md:

* With the key file beside the database, whoever copies the whole folder
  (a seized disk, a backup) gets both, and can confirm whether a *known*
  guild id is in the data by computing its key. This is pseudonymisation,
  not anonymity; it protects against casual reading and leaked database
  files, and it needs no setup.
* With ``INSIGHTS_SECRET`` kept elsewhere (the host's secret store), the
  database file on its own links to no server. Losing or changing the secret
  orphans the stored rows: per-server settings fall back to the defaults and
  old counters can no longer be told apart by server.
* Deleting the key file (with no ``INSIGHTS_SECRET``) is a quick way to make
  all stored rows unlinkable to any server at once.

Direct messages have no guild; they are counted under the fixed key :data:`DM_KEY`.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from collections.abc import Mapping
from pathlib import Path

log = logging.getLogger(__name__)

SECRET_ENV = "INSIGHTS_SECRET"
DM_KEY = "dm"
KEY_BYTES = 32
MEMORY = ":memory:"


def guild_key(secret: bytes, guild_id: int | None) -> str:
    """The stored key of a server: a keyed hash of its id, or :data:`DM_KEY` for direct messages."""
    if guild_id is None:
        return DM_KEY
    return hmac.new(secret, str(guild_id).encode("ascii"), hashlib.sha256).hexdigest()[:32]


def key_file_for(db_path: Path) -> Path:
    """Where the generated secret lives: beside the database, named ``<database>.key``."""
    return db_path.with_name(db_path.name + ".key")


def _read_key_file(path: Path) -> bytes:
    """Read an existing key file, tightening its permissions to 0600 if they are looser."""
    if path.stat().st_mode & 0o077:
        log.warning("insights key file is readable by others; restricting it to its owner (0600)")
        path.chmod(0o600)
    secret = bytes.fromhex(path.read_text(encoding="ascii").strip())
    if len(secret) < KEY_BYTES // 2:
        raise ValueError("the insights key file is too short or damaged; delete it to create a new one")
    return secret


def _read_or_create(path: Path) -> bytes:
    """Read the key file, or create it with 0600 permissions (never overwriting one that appeared meanwhile)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_key_file(path)
    secret = secrets.token_bytes(KEY_BYTES)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secret.hex() + "\n")
    return secret


def existing_secret(db_path: str | Path, environ: Mapping[str, str] | None = None) -> bytes | None:
    """The secret if one exists (``$INSIGHTS_SECRET`` or the key file), without ever creating a key file."""
    env = os.environ if environ is None else environ
    configured = env.get(SECRET_ENV, "")
    if configured:
        return configured.encode("utf-8")
    path = key_file_for(Path(db_path))
    return _read_key_file(path) if path.exists() else None


def load_secret(db_path: str | Path, environ: Mapping[str, str] | None = None) -> bytes:
    """The HMAC secret: ``$INSIGHTS_SECRET``, else the key file beside ``db_path`` (created on first use).

    An in-memory database (``":memory:"``) without ``$INSIGHTS_SECRET`` gets a
    random secret that lives as long as the process. Raises :class:`OSError` or
    :class:`ValueError` when the key file cannot be created or read.
    """
    env = os.environ if environ is None else environ
    configured = env.get(SECRET_ENV, "")
    if configured:
        return configured.encode("utf-8")
    if str(db_path) == MEMORY:
        return secrets.token_bytes(KEY_BYTES)
    return _read_or_create(key_file_for(Path(db_path)))
