"""Interaction doubles and a bot over a small FAQ, for unit tests of the Discord layer.

:class:`FakeInteraction` has what the cogs use of :class:`discord.Interaction`
(``response``, ``followup``, ``permissions``, ``user.roles``, ``locale``,
``guild_locale``, ``namespace``, ``command``) and records its replies in
:attr:`FakeInteraction.log`; ``bot.log`` is the timeline of every reply and
every ``faq_answer`` dispatch, in order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import discord
import pytest
from discord import app_commands

from bot.client import FAQBot
from bot.cogs.ask import AskCog
from bot.cogs.errors import on_app_command_error
from bot.cogs.faq import FAQCog
from bot.config import Secret, Settings
from bot.engine import Engine
from bot.views import DYNAMIC_ITEMS

USER_ID = 987654321098765432
GUILD_ID = 876543210987654321
MOD_ROLE = 765432109876543210


@dataclass
class Sent:
    """One thing the bot did with an interaction."""

    kind: str
    content: str | None = None
    embed: dict[str, Any] | None = None
    components: list[dict[str, Any]] = field(default_factory=list)
    ephemeral: bool = False

    def custom_ids(self) -> list[str]:
        """Every component custom_id, in order."""
        return [c["custom_id"] for row in self.components for c in row["components"] if "custom_id" in c]

    def component(self, custom_id: str) -> dict[str, Any]:
        """The component with ``custom_id``."""
        return next(c for row in self.components for c in row["components"] if c.get("custom_id") == custom_id)


def _record(kind: str, content: str | None, embed: Any, view: Any, ephemeral: bool) -> Sent:
    """Turn discord.py arguments into a :class:`Sent` (embeds and components as Discord JSON)."""
    components = view.to_components() if view not in (None, discord.utils.MISSING) else []
    data = embed.to_dict() if embed not in (None, discord.utils.MISSING) else None
    return Sent(kind, content, data, components, ephemeral)


class _Logs(list):  # type: ignore[type-arg]
    """An interaction's own record, also appended to the bot's timeline."""

    def __init__(self, timeline: list[Any]) -> None:
        super().__init__()
        self.timeline = timeline

    def append(self, item: Any) -> None:
        super().append(item)
        self.timeline.append(item)


class FakeResponse:
    """``interaction.response``: one response at most, like Discord."""

    def __init__(self, log: list[Any]) -> None:
        self.log = log
        self._done = False

    def is_done(self) -> bool:
        return self._done

    def _respond(self) -> None:
        assert not self._done, "an interaction can only be responded to once"
        self._done = True

    async def send_message(
        self, content: str | None = None, *, embed: Any = None, view: Any = None, ephemeral: bool = False, **_: Any
    ) -> None:
        self._respond()
        self.log.append(_record("response", content, embed, view, ephemeral))

    async def defer(self, *, ephemeral: bool = False, thinking: bool = False) -> None:
        self._respond()
        self.log.append(Sent("defer", ephemeral=ephemeral))

    async def edit_message(self, *, content: str | None = None, embed: Any = None, view: Any = None) -> None:
        self._respond()
        self.log.append(_record("edit", content, embed, view, False))


class FakeFollowup:
    """``interaction.followup``."""

    def __init__(self, log: list[Any]) -> None:
        self.log = log

    async def send(
        self, content: str | None = None, *, embed: Any = None, view: Any = None, ephemeral: bool = False, **_: Any
    ) -> None:
        self.log.append(_record("followup", content, embed, view, ephemeral))


class FakeInteraction:
    """What the cogs use of a :class:`discord.Interaction`."""

    def __init__(
        self,
        client: FAQBot,
        *,
        user_id: int = USER_ID,
        guild_id: int | None = GUILD_ID,
        permissions: discord.Permissions | None = None,
        roles: tuple[int, ...] = (),
        locale: str = "en-US",
        guild_locale: str | None = None,
        language: str | None = None,
        command: Any = None,
    ) -> None:
        self.client = client
        self.log: list[Any] = _Logs(client.log)  # type: ignore[attr-defined]
        self.user = SimpleNamespace(id=user_id, roles=[SimpleNamespace(id=r) for r in roles])
        self.guild_id = guild_id
        self.permissions = permissions or discord.Permissions(send_messages=True, use_application_commands=True)
        self.locale = discord.Locale(locale)
        self.guild_locale = discord.Locale(guild_locale) if guild_locale else None
        self.namespace = SimpleNamespace(language=language)
        self.command = command
        self.response = FakeResponse(self.log)
        self.followup = FakeFollowup(self.log)

    @property
    def sent(self) -> list[Sent]:
        """Replies only (no dispatches)."""
        return [s for s in self.log if isinstance(s, Sent)]

    @property
    def reply(self) -> Sent:
        """The one visible reply (a response or follow-up with content)."""
        replies = [s for s in self.sent if s.kind != "defer"]
        assert len(replies) == 1, replies
        return replies[0]


def make_settings(folder: Path, **overrides: Any) -> Settings:
    """Settings for a test bot over ``folder``."""
    values: dict[str, Any] = {"token": Secret("t" * 40), "faq_dir": folder}
    values.update(overrides)
    return Settings(**values)


def make_bot(engine: Engine, **overrides: Any) -> FAQBot:
    """A bot (never connected) whose dispatches are recorded in ``bot.log``."""
    bot = FAQBot(make_settings(engine.faq.folder, **overrides), engine)
    bot.log = []  # type: ignore[attr-defined]
    bot.dispatch = lambda event, *args: bot.log.append(("dispatch", event, *args))  # type: ignore[method-assign]
    return bot


async def invoke(command: app_commands.Command[Any, ..., Any], cog: Any, interaction: FakeInteraction, **options: Any):
    """Run a command as the tree does: its callback, then ``on_error`` with what it raised."""
    interaction.command = command
    try:
        await command.callback(cog, interaction, **options)
    except app_commands.AppCommandError as error:
        await on_app_command_error(interaction, error)  # type: ignore[arg-type]
    except Exception as error:
        await on_app_command_error(interaction, app_commands.CommandInvokeError(command, error))  # type: ignore[arg-type]


@pytest.fixture
def bot(small_engine: Engine) -> FAQBot:
    return make_bot(small_engine)


@pytest.fixture
def ask_cog(bot: FAQBot) -> AskCog:
    return AskCog(bot)


@pytest.fixture
def faq_cog(bot: FAQBot) -> FAQCog:
    return FAQCog(bot)


async def click(
    bot: FAQBot, custom_id: str, *, values: list[str] | None = None, label: str | None = None, **options: Any
) -> FakeInteraction:
    """Click a component as discord.py does: match a registered DynamicItem, rebuild it, run its callback."""
    interaction = FakeInteraction(bot, **options)
    for factory in DYNAMIC_ITEMS:
        match = factory.__discord_ui_compiled_template__.fullmatch(custom_id)
        if match is None:
            continue
        base: discord.ui.Item[Any]
        if values is None:
            base = discord.ui.Button(label=label, custom_id=custom_id)
        else:
            base = discord.ui.Select(custom_id=custom_id, options=[discord.SelectOption(label=v) for v in values])
        item = await factory.from_custom_id(interaction, base, match)  # type: ignore[arg-type]
        if values is not None:
            item._refresh_state(interaction, {"values": values})  # type: ignore[arg-type]
        await item.callback(interaction)  # type: ignore[arg-type]
        return interaction
    raise LookupError(f"no dynamic item matches {custom_id!r}")
