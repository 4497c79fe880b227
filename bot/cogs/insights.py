"""``/faq stats``, ``/faq gaps``, ``/faq settings`` and ``/faq purge`` (moderators), and the recording listener.

The four commands are subcommands of the ``/faq`` group that :class:`~bot.cogs.faq.FAQCog`
owns: :meth:`InsightsCog.cog_load` adds them to that group (and
:meth:`InsightsCog.cog_unload` takes them out), so ``FAQCog`` must be added
first. Like ``/faq reload`` they are checked at run time (Manage Server, or a
role in ``MODERATOR_ROLE_IDS``) because Discord cannot hide one subcommand;
they only work in a server, and every reply is private.

``/faq purge`` deletes nothing by itself: it answers with a "Delete everything"
button (:class:`PurgeButton`) that works for five minutes and checks the
moderator again when pressed, so a slip of the keyboard cannot erase a server's
history.

The ``faq_answer`` listener hands each reply to :meth:`bot.insights.service.Insights.observe`,
which only queues it: recording never delays or breaks an answer.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import time
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.answer import Answer
from bot.cogs import described
from bot.config import REFERRAL_MAX
from bot.insights.recorder import describe
from bot.insights.report import render_gaps, render_settings, render_stats, titles_of
from bot.insights.service import Insights, InsightsUnavailable
from bot.insights.settings import RETENTION_RANGE, SettingsError
from bot.replies import CONTENT_LIMIT, bot_of, is_moderator, send
from bot.views import Component, layout

if TYPE_CHECKING:
    from bot.client import FAQBot

log = logging.getLogger("bot.insights")

Days = app_commands.Range[int, 1, 365]
Retention = app_commands.Range[int, RETENTION_RANGE[0], RETENTION_RANGE[-1]]
Referral = app_commands.Range[str, 1, REFERRAL_MAX]

UNAVAILABLE = (
    "Insights are unavailable right now (the database could not be opened or written). "
    "The bot keeps answering; the operator's log says why."
)
SERVER_ONLY = "Insights are kept per server: use this command in a server."
PURGE_CONFIRM_SECONDS = 300
PURGE_ASK = (
    "This deletes every count and kept question of this server, and cannot be undone. "
    "Its settings stay. Press the button within 5 minutes to go ahead; "
    "nothing is deleted otherwise (dismiss this message to keep everything)."
)
PURGE_EXPIRED = "This confirmation expired and nothing was deleted. Run /faq purge again."
PURGE_OTHER_SERVER = "This button belongs to another server; nothing was deleted."


def purge_done(removed: int) -> str:
    """What a moderator reads after a purge."""
    return (
        f"Deleted {removed} stored row(s): every count and kept question of this server. "
        "Its settings stay; view them with /faq settings. Replies already queued may still be "
        "counted in the next few seconds."
    )


class PurgeButton(
    Component, discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"faq:purge:(?P<guild>[0-9]+):(?P<until>[0-9]+)"
):
    """The "Delete everything" button of ``/faq purge``: the server it was shown in, and until when it works.

    Its ``custom_id`` carries the server id and the deadline, so a click needs
    no state kept in the bot and still works after a restart.
    """

    def __init__(self, guild_id: int, until: int) -> None:
        """A red button that purges ``guild_id`` if pressed before ``until`` (Unix seconds)."""
        button: discord.ui.Button[Any] = discord.ui.Button(
            label="Delete everything", style=discord.ButtonStyle.danger, custom_id=f"faq:purge:{guild_id}:{until}"
        )
        super().__init__(button)
        self.guild_id = guild_id
        self.until = until

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> PurgeButton:
        """Rebuild the button from a click."""
        return cls(int(match["guild"]), int(match["until"]))

    async def respond(self, interaction: discord.Interaction) -> None:
        """Check server, moderator and deadline again, then purge and say how much went."""
        bot = bot_of(interaction)
        if interaction.guild_id != self.guild_id:
            await send(interaction, content=PURGE_OTHER_SERVER)
            return
        if not is_moderator(interaction, bot.settings.moderator_role_ids):
            raise app_commands.MissingPermissions(["manage_guild"])
        if time.time() > self.until:
            await interaction.response.edit_message(content=PURGE_EXPIRED, view=None)
            return
        try:
            if bot.insights is None:
                raise InsightsUnavailable("insights are off")
            removed = await bot.insights.purge(self.guild_id)
        except (InsightsUnavailable, sqlite3.Error, OSError) as exc:
            if not isinstance(exc, InsightsUnavailable):
                log.warning("purge failed: %s", describe(exc))
            await interaction.response.edit_message(content=UNAVAILABLE, view=None)
            return
        await interaction.response.edit_message(content=purge_done(removed), view=None)


class InsightsCog(commands.Cog):
    """Moderator insights over :class:`~bot.insights.service.Insights`, as ``/faq`` subcommands."""

    def __init__(self, bot: FAQBot, insights: Insights) -> None:
        """Attach to ``bot``; ``insights`` may be disabled (commands then say so)."""
        self.bot = bot
        self.insights = insights
        self._added: list[app_commands.Command[Any, ..., Any]] = []

    def _group(self) -> app_commands.Group:
        """The ``/faq`` group of the FAQ cog."""
        cog = self.bot.get_cog("FAQCog")
        group = cog.app_command if cog is not None else None
        if group is None:
            raise RuntimeError("add FAQCog before InsightsCog: the insights commands live in its /faq group")
        return group

    async def cog_load(self) -> None:
        """Add the four subcommands to ``/faq``."""
        group = self._group()
        self._added = [
            app_commands.Command(
                name="stats",
                description=described("command_faq_stats", "Most used answers and answer rate (moderators)"),
                callback=self.stats,
            ),
            app_commands.Command(
                name="gaps",
                description=described("command_faq_gaps", "Questions the FAQ could not answer (moderators)"),
                callback=self.gaps,
            ),
            app_commands.Command(
                name="settings",
                description=described("command_faq_settings", "View or change this server's bot settings (moderators)"),
                callback=self.settings,
            ),
            app_commands.Command(
                name="purge",
                description=described("command_faq_purge", "Delete everything kept about this server (moderators)"),
                callback=self.purge,
            ),
        ]
        for command in self._added:
            group.add_command(command)
        self.bot.add_dynamic_items(PurgeButton)

    async def cog_unload(self) -> None:
        """Take the subcommands out of ``/faq`` again."""
        cog = self.bot.get_cog("FAQCog")
        group = cog.app_command if cog is not None else None
        for command in self._added:
            if group is not None:
                group.remove_command(command.name)
        self._added = []
        self.bot.remove_dynamic_items(PurgeButton)

    @commands.Cog.listener("on_faq_answer")
    async def on_faq_answer(self, guild_id: int | None, answer: Answer, locale: discord.Locale) -> None:
        """Queue the reply for counting (runs as its own task, after the reply was sent)."""
        await self.insights.observe(guild_id, answer, locale)

    async def _start(self, interaction: discord.Interaction) -> int | None:
        """Check moderator and server, defer privately; the guild id, or ``None`` after replying."""
        if interaction.guild_id is None:
            await send(interaction, content=SERVER_ONLY)
            return None
        if not is_moderator(interaction, self.bot.settings.moderator_role_ids):
            raise app_commands.MissingPermissions(["manage_guild"])
        await interaction.response.defer(ephemeral=True, thinking=True)
        return interaction.guild_id

    async def _unavailable(self, interaction: discord.Interaction, exc: Exception) -> None:
        """Say insights are unavailable; log the error class only."""
        if not isinstance(exc, InsightsUnavailable):
            log.warning("insights command failed: %s", describe(exc))
        await send(interaction, content=UNAVAILABLE)

    @app_commands.describe(days="How many days back, counting today (default 7)")
    async def stats(self, interaction: discord.Interaction, days: Days = 7) -> None:
        """Most-used entries, the decision mix and the answer rate per day."""
        guild_id = await self._start(interaction)
        if guild_id is None:
            return
        try:
            stats = await self.insights.stats(guild_id, days)
        except (InsightsUnavailable, sqlite3.Error, OSError) as exc:
            await self._unavailable(interaction, exc)
            return
        titles = titles_of(self.bot.engine.faq)
        await send(interaction, content=render_stats(stats, titles, limit=CONTENT_LIMIT))

    @app_commands.describe(days="How many days back, counting today (default 30)")
    async def gaps(self, interaction: discord.Interaction, days: Days = 30) -> None:
        """Kept unanswered questions, grouped by similarity, biggest group first."""
        guild_id = await self._start(interaction)
        if guild_id is None:
            return
        try:
            gaps = await self.insights.gaps(guild_id, days, self.bot.engine.matcher.normalize)
        except (InsightsUnavailable, sqlite3.Error, OSError) as exc:
            await self._unavailable(interaction, exc)
            return
        recording = (await self.insights.settings.get(guild_id)).record_unanswered
        await send(interaction, content=render_gaps(gaps, days, limit=CONTENT_LIMIT, recording=recording))

    @app_commands.describe(
        record_unanswered="Keep (scrubbed) questions the FAQ could not answer; off deletes those kept",
        retention_days="Days to keep this server's counts and questions (1-365)",
        default_public="Post answers in the channel by default (members can still choose private)",
        public_allowed="Allow members to post answers in the channel at all",
        referral="Where to send people for help with their own case; 'default' for the bot's text",
    )
    async def settings(
        self,
        interaction: discord.Interaction,
        record_unanswered: bool | None = None,
        retention_days: Retention | None = None,
        default_public: bool | None = None,
        public_allowed: bool | None = None,
        referral: Referral | None = None,
    ) -> None:
        """With no options, show this server's settings; otherwise change the given ones."""
        guild_id = await self._start(interaction)
        if guild_id is None:
            return
        options = {
            "record_unanswered": record_unanswered,
            "retention_days": retention_days,
            "default_public": default_public,
            "public_allowed": public_allowed,
            "referral": referral,
        }
        changes = {name: value for name, value in options.items() if value is not None}
        try:
            if changes:
                current = await self.insights.update_settings(guild_id, changes)
            else:
                current = await self.insights.settings.get(guild_id)
        except SettingsError as exc:
            await send(interaction, content=f"Not changed: {exc}.")
            return
        except (InsightsUnavailable, sqlite3.Error, OSError) as exc:
            await self._unavailable(interaction, exc)
            return
        head = "Saved. " if changes else ""
        body = render_settings(current, self.insights.changed(guild_id), limit=CONTENT_LIMIT - len(head))
        await send(interaction, content=head + body)

    async def purge(self, interaction: discord.Interaction) -> None:
        """Ask for confirmation: the deleting is done by :class:`PurgeButton`."""
        guild_id = await self._start(interaction)
        if guild_id is None:
            return
        button = PurgeButton(guild_id, int(time.time()) + PURGE_CONFIRM_SECONDS)
        await send(interaction, content=PURGE_ASK, view=layout(button))
