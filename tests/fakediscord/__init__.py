"""A loopback fake of Discord for end-to-end tests of discord.py bots.

Start :class:`FakeDiscord`, point discord.py at it with
:func:`redirect_discord` (or the ``fake_discord`` pytest fixture from
:mod:`tests.fakediscord.fixtures`), run the real client, then drive it with
interaction payloads and inspect what it sent back.
"""

from tests.fakediscord.redirect import apply_redirect, gateway_url_for, redirect_discord
from tests.fakediscord.server import (
    API_VERSION,
    DEFAULT_APP_PERMISSIONS,
    DEFAULT_MEMBER_PERMISSIONS,
    FakeDiscord,
    FakeDiscordCounters,
    FakeDiscordTimeout,
    FakeGuild,
    GatewaySession,
    RecordedFile,
    RecordedRequest,
    make_snowflake,
)

__all__ = [
    "API_VERSION",
    "DEFAULT_APP_PERMISSIONS",
    "DEFAULT_MEMBER_PERMISSIONS",
    "FakeDiscord",
    "FakeDiscordCounters",
    "FakeDiscordTimeout",
    "FakeGuild",
    "GatewaySession",
    "RecordedFile",
    "RecordedRequest",
    "apply_redirect",
    "gateway_url_for",
    "make_snowflake",
    "redirect_discord",
]
