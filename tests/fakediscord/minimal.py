"""The smallest real discord.py bot: one ``/ping`` command.

It is the client the fake's own tests drive, and the baseline "empty
discord.py handler" for throughput measurements: whatever the product costs
beyond this is the product's own cost.

* :class:`MinimalClient` / :class:`MinimalShardedClient`: ``discord.Client``
  (or ``AutoShardedClient``) with a ``CommandTree`` holding ``/ping``.
* :func:`running_client`: log in, connect, wait for ``on_ready``; close on exit.
* :func:`main`: run a MinimalClient until interrupted (for a subprocess via
  ``python -m tests.fakediscord.launch --entry tests.fakediscord.minimal:main``).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import discord
from discord import app_commands

__all__ = [
    "MinimalClient",
    "MinimalShardedClient",
    "main",
    "ping",
    "running_client",
]

ClientT = TypeVar("ClientT", bound=discord.Client)

_log = logging.getLogger(__name__)


@app_commands.command(name="ping", description="Check that the bot answers.")
async def ping(interaction: discord.Interaction) -> None:
    """Answer ``pong`` privately, mentioning nobody."""
    await interaction.response.send_message("pong", ephemeral=True, allowed_mentions=discord.AllowedMentions.none())


def _client_options(options: dict[str, Any]) -> dict[str, Any]:
    """Defaults for a test client: guild events only and a short ready wait.

    ``guild_ready_timeout`` is how long discord.py waits after the last
    GUILD_CREATE before ``on_ready``; its default (2 s) only slows tests.
    """
    options.setdefault("intents", discord.Intents(guilds=True))
    options.setdefault("guild_ready_timeout", 0.05)
    return options


class MinimalClient(discord.Client):
    """A ``discord.Client`` with a command tree holding ``/ping``."""

    def __init__(self, **options: Any) -> None:
        """Create the client; ``options`` go to ``discord.Client``."""
        super().__init__(**_client_options(options))
        self.tree: app_commands.CommandTree[MinimalClient] = app_commands.CommandTree(self)
        self.tree.add_command(ping)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Identify at once: discord.py waits 5 s before a re-IDENTIFY; the fake has no limit."""


class MinimalShardedClient(discord.AutoShardedClient):
    """The same bot as :class:`MinimalClient`, sharded (asks ``GET /gateway/bot``)."""

    def __init__(self, **options: Any) -> None:
        """Create the client; ``options`` go to ``discord.AutoShardedClient``."""
        super().__init__(**_client_options(options))
        self.tree: app_commands.CommandTree[MinimalShardedClient] = app_commands.CommandTree(self)
        self.tree.add_command(ping)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Identify every shard at once instead of one per 5 seconds."""


@asynccontextmanager
async def running_client(client: ClientT, token: str = "fake-token", timeout: float = 10.0) -> AsyncIterator[ClientT]:
    """Log ``client`` in, connect it and wait for ``on_ready``; close it on exit.

    Discord (or the fake) must already be reachable.  If the connection fails
    before ready, its exception is raised instead of waiting for the timeout.
    On exit the client is closed and its ``connect()`` task awaited, so no
    task is left pending.
    """
    await client.login(token)
    connect = asyncio.create_task(client.connect(reconnect=True), name="discord-connect")
    ready = asyncio.create_task(client.wait_until_ready(), name="discord-ready")
    started = False
    try:
        done, _ = await asyncio.wait({connect, ready}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        if connect in done:
            connect.result()
            raise RuntimeError("the client stopped before it was ready")
        if ready not in done:
            raise TimeoutError(f"the client was not ready within {timeout}s")
        started = True
        yield client
    finally:
        ready.cancel()
        await client.close()
        _, pending = await asyncio.wait({connect, ready}, timeout=timeout)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending)
        if not connect.cancelled() and connect.exception() is not None:
            if started:
                raise RuntimeError("the client's connect() failed") from connect.exception()
            # Startup already failed with its own error; this one is its echo.
            _log.debug("connect() ended with an error", exc_info=connect.exception())


def main(argv: Sequence[str] | None = None) -> int:
    """Run a :class:`MinimalClient` until interrupted (SIGINT); return 0."""
    parser = argparse.ArgumentParser(prog="minimal", description=__doc__)
    parser.add_argument("--token", default="fake-token")
    parser.add_argument("--sync", action="store_true", help="sync the command tree on ready")
    options = parser.parse_args(argv)
    client = MinimalClient()

    if options.sync:

        @client.event
        async def on_ready() -> None:
            """Sync the tree once connected (a PUT the fake records)."""
            await client.tree.sync()

    client.run(options.token, log_handler=None)
    return 0
