"""``/faq topics``, ``/faq show entry:<id>`` and ``/faq reload`` (moderators).

``/faq reload`` re-reads the FAQ folder off the event loop and swaps the
engine in one assignment (:meth:`bot.client.FAQBot.reload_faq`); on any
error the FAQ already live stays in use and the reply lists the problems.

Discord cannot hide a single subcommand from members: ``default_permissions``
only applies to a whole top-level command, and hiding ``/faq`` would hide
``/faq topics`` too. The run-time check in :meth:`FAQCog.reload` is therefore
the guard: Manage Server, or one of ``MODERATOR_ROLE_IDS``. The FAQ is the
same for every server the bot is in, so a moderator of any of them may reload
it; a reload only re-reads the files on the bot's own disk.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.answer import clip
from bot.cogs import described, named
from bot.engine import Engine
from bot.errors import FAQError, FAQLoadError
from bot.faq import FAQ, Entry
from bot.replies import CONTENT_LIMIT, is_moderator, message, reply_language, send
from bot.views import first_questions, show_entry, suggestion_view, topics_message

if TYPE_CHECKING:
    from bot.client import FAQBot

log = logging.getLogger("bot.reload")

MAX_CHOICES = 25
CHOICE_MAX = 100
ID_LIST_MAX = 450
"""Each list of ids in the reload reply is clipped to this, so all three fit in one message."""


def _content(entry: Entry) -> tuple[object, ...]:
    """What a member can see of an entry (not where it sits in its file)."""
    return (entry.topics, entry.related, entry.citations, dict(entry.texts))


def diff_entries(old: FAQ, new: FAQ) -> tuple[list[str], list[str], list[str]]:
    """The ids ``(added, changed, removed)`` going from ``old`` to ``new``."""
    added = [e.id for e in new.entries if e.id not in old.by_id]
    removed = [e.id for e in old.entries if e.id not in new.by_id]
    changed = [e.id for e in new.entries if e.id in old.by_id and _content(e) != _content(old.by_id[e.id])]
    return added, changed, removed


def reload_report(engine: Engine, lang: str, old: FAQ, new: FAQ) -> str:
    """The moderator's summary of a successful reload."""
    lines = [message(engine, "reload_done", lang, count=len(new.entries))]
    added, changed, removed = diff_entries(old, new)
    for key, ids in (("reload_added", added), ("reload_changed", changed), ("reload_removed", removed)):
        if ids:
            lines.append(message(engine, key, lang, count=len(ids), ids=clip(", ".join(ids), ID_LIST_MAX)))
    if not (added or changed or removed):
        lines.append(message(engine, "reload_unchanged", lang))
    return clip("\n".join(lines), CONTENT_LIMIT)


def _where(error: FAQError, folder: Path) -> str:
    """``file:line [entry] message``, the file relative to the FAQ folder's parent; no back-ticks."""
    try:
        path = error.path.resolve().relative_to(folder.resolve().parent)
    except ValueError:
        path = Path(error.path.name)
    line = f"{path}:{error.line}" if error.line else str(path)
    entry = f" [{error.entry}]" if error.entry else ""
    return f"{line}{entry} {error.message}".replace("`", "'")


def failure_report(engine: Engine, lang: str, error: FAQLoadError, folder: Path) -> str:
    """Every problem of a failed reload, as many as fit in one message (then "and N more")."""
    head = message(engine, "reload_failed", lang, count=len(error.errors))
    budget = CONTENT_LIMIT - len(head) - 120
    shown: list[str] = []
    for problem in error.errors:
        line = clip(_where(problem, folder), 300)
        if sum(len(s) + 1 for s in shown) + len(line) > budget:
            break
        shown.append(line)
    rest = len(error.errors) - len(shown)
    more = "\n" + message(engine, "reload_more", lang, count=rest) if rest else ""
    return clip(f"{head}\n```\n" + "\n".join(shown) + f"\n```{more}", CONTENT_LIMIT)


def entry_choices(engine: Engine, typed: str, lang: str) -> list[app_commands.Choice[str]]:
    """Entries whose id contains, or whose question matches, what was typed (25 at most)."""
    faq = engine.faq
    folded = typed.strip().casefold()
    if folded:
        by_id = [e for e in faq.entries if folded in e.id]
        _, _, normalized = engine.matcher.prepare(typed)
        ranked = [faq.by_id[c.entry_id] for c in engine.matcher.rank(normalized, limit=MAX_CHOICES)]
        entries = list({e.id: e for e in by_id + ranked}.values())
    else:
        entries = first_questions(faq, MAX_CHOICES)
    return [
        app_commands.Choice(name=clip(f"{e.id}: {e.text(lang).question}", CHOICE_MAX), value=e.id)
        for e in entries[:MAX_CHOICES]
    ]


class FAQCog(
    commands.GroupCog,
    group_name=named("command_faq_name", "faq"),
    group_description=described("command_faq", "Browse the FAQ"),
):
    """The ``/faq`` command group."""

    def __init__(self, bot: FAQBot) -> None:
        """Attach to ``bot``."""
        self.bot = bot
        super().__init__()

    @app_commands.command(
        name=named("command_faq_topics_name", "topics"),
        description=described("command_faq_topics", "Browse the questions by topic"),
    )
    async def topics(self, interaction: discord.Interaction) -> None:
        """Open the topic browser privately, in the member's language."""
        engine = self.bot.engine
        embed, view = topics_message(engine, reply_language(engine, interaction))
        await send(interaction, embed=embed, view=view)

    @app_commands.command(
        name=named("command_faq_show_name", "show"), description=described("command_faq_show", "Show one FAQ entry")
    )
    @app_commands.describe(entry=described("option_show_entry", "The entry: start typing its question or id"))
    @app_commands.rename(entry=named("option_show_entry_name", "entry"))
    async def show(self, interaction: discord.Interaction, entry: str) -> None:
        """Show one entry; an unknown id gets "no such entry" and the closest entries as buttons."""
        engine = self.bot.engine
        lang = reply_language(engine, interaction)
        if entry.strip() in engine.faq.by_id:
            await show_entry(interaction, entry.strip(), lang, record=False, engine=engine)
            return
        _, _, normalized = engine.matcher.prepare(entry)
        close = engine.matcher.rank(normalized, limit=3, cutoff=engine.matcher.thresholds.suggest)
        view = suggestion_view(engine, [c.entry_id for c in close], lang)
        await send(interaction, content=message(engine, "no_such_entry", lang), view=view)

    @show.autocomplete("entry")
    async def entry_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Entries by id or question (only suggestions: /faq show re-validates the id)."""
        engine = self.bot.engine
        return entry_choices(engine, current, reply_language(engine, interaction, current))

    @app_commands.command(
        name=named("command_faq_reload_name", "reload"),
        description=described("command_faq_reload", "Reload the FAQ files (moderators only)"),
    )
    async def reload(self, interaction: discord.Interaction) -> None:
        """Re-read and validate the FAQ, swap it in, and report what changed (or every problem)."""
        if not is_moderator(interaction, self.bot.settings.moderator_role_ids):
            raise app_commands.MissingPermissions(["manage_guild"])
        engine = self.bot.engine
        lang = reply_language(engine, interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            old, new = await self.bot.reload_faq()
        except FAQLoadError as error:
            log.warning("FAQ reload failed with %d problem(s); the live FAQ is unchanged", len(error.errors))
            for problem in error.errors:
                log.warning("reload problem: %s", problem)
            await send(interaction, content=failure_report(engine, lang, error, self.bot.settings.faq_dir))
            return
        await send(interaction, content=reload_report(new, lang, old.faq, new.faq))
