"""Per-server settings, and where the bot gets them from.

The Discord layer asks ``await client.guild_settings.get(guild_id)`` before
each reply. Today the answer comes from the environment for every server
(:class:`StaticSettingsStore`); a store backed by a database (the insights
feature) only has to implement :class:`SettingsStore` and be assigned to
``client.guild_settings``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.config import Settings


@dataclass(frozen=True, slots=True)
class GuildSettings:
    """How the bot behaves in one server."""

    default_public: bool
    public_allowed: bool
    referral: str | None
    record_unanswered: bool = False
    retention_days: int = 30


class SettingsStore(Protocol):
    """Anything that can say how the bot behaves in a server (``None``: a direct message)."""

    async def get(self, guild_id: int | None) -> GuildSettings:
        """The settings for ``guild_id``."""
        ...


class StaticSettingsStore:
    """The same settings, from the environment, for every server."""

    def __init__(self, settings: Settings) -> None:
        """Build the one :class:`GuildSettings` from the bot-wide settings."""
        self.value = GuildSettings(
            default_public=settings.default_public,
            public_allowed=settings.public_allowed,
            referral=settings.referral,
        )

    async def get(self, guild_id: int | None) -> GuildSettings:
        """The bot-wide settings, whatever the server."""
        return self.value
