"""Per-server settings kept in the insights database, over the bot-wide defaults.

:class:`SqliteSettingsStore` implements the Discord layer's ``SettingsStore``
protocol (``async get(guild_id) -> GuildSettings``). It reads every server's
changed fields once, when the bot starts, and answers from memory afterwards,
so a slow or locked database can never delay a reply. A server that never
changed anything gets the defaults store's value unchanged.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from bot.config import REFERRAL_MAX
from bot.insights.store import SETTING_FIELDS, InsightsStore

if TYPE_CHECKING:
    from bot.guild_settings import GuildSettings, SettingsStore

RETENTION_RANGE = range(1, 366)
"""Days a server may keep its counters and texts: 1 to 365."""

RESET = "default"
"""The referral value that returns a server to the bot-wide referral text."""


class SettingsError(ValueError):
    """A moderator asked for a setting the bot cannot take; the message says why, in plain words."""


def validate(changes: Mapping[str, Any]) -> dict[str, Any]:
    """Check each changed field and return the changes ready to store (``None`` = back to the default)."""
    clean: dict[str, Any] = {}
    for name, value in changes.items():
        if name not in SETTING_FIELDS:
            raise SettingsError(f"unknown setting {name!r}")
        if name == "retention_days" and value is not None and value not in RETENTION_RANGE:
            raise SettingsError(f"retention_days must be between {RETENTION_RANGE[0]} and {RETENTION_RANGE[-1]}")
        if name == "referral" and value is not None:
            value = value.strip()
            if not value or value.casefold() == RESET:
                value = None
            elif len(value) > REFERRAL_MAX:
                raise SettingsError(f"the referral text is {len(value)} characters; the limit is {REFERRAL_MAX}")
        clean[name] = value
    return clean


class SqliteSettingsStore:
    """Settings from the database where a server changed them, the defaults store everywhere else."""

    def __init__(self, store: InsightsStore, defaults: SettingsStore, overrides: dict[str, dict[str, Any]]) -> None:
        """Use :meth:`load`."""
        self.store = store
        self.defaults = defaults
        self._overrides = overrides

    @classmethod
    async def load(cls, store: InsightsStore, defaults: SettingsStore) -> SqliteSettingsStore:
        """Read every server's changed settings into memory."""
        return cls(store, defaults, await store.overrides())

    def changed(self, guild_id: int | None) -> frozenset[str]:
        """The fields this server changed (the others follow the bot-wide defaults)."""
        return frozenset(self._overrides.get(self.store.key(guild_id), {}))

    async def get(self, guild_id: int | None) -> GuildSettings:
        """The server's settings, from memory (never touches the database)."""
        base = await self.defaults.get(guild_id)
        changed = self._overrides.get(self.store.key(guild_id))
        return dataclasses.replace(base, **changed) if changed else base

    async def update(self, guild_id: int | None, changes: Mapping[str, Any]) -> GuildSettings:
        """Validate and store ``changes`` (``None`` returns a field to its default); return the new settings.

        Raises :class:`SettingsError` for a refused value and ``sqlite3.Error``/``OSError``
        when the database cannot be written (memory is then left unchanged).
        """
        clean = validate(changes)
        key = self.store.key(guild_id)
        merged = {**self._overrides.get(key, {}), **clean}
        kept = {name: value for name, value in merged.items() if value is not None}
        result = dataclasses.replace(await self.defaults.get(guild_id), **kept)
        if result.default_public and not result.public_allowed:
            raise SettingsError("replies cannot be public by default while public replies are not allowed")
        await self.store.save_settings(key, clean)
        if kept:
            self._overrides[key] = kept
        else:
            self._overrides.pop(key, None)
        return result
