"""What every command and button shares: who is asking (language, moderator) and how to reply.

Nothing here reads or logs who the member is beyond what a reply needs in
the moment: their locale, their permissions and their role ids.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, cast

import discord

from bot.answer import Answer, clip, render_embed
from bot.engine import Engine
from bot.language import choose_language

if TYPE_CHECKING:
    from bot.client import FAQBot

CONTENT_LIMIT = 2000
log = logging.getLogger("bot.answers")


def bot_of(interaction: discord.Interaction) -> FAQBot:
    """The running bot (typed), from an interaction."""
    return cast("FAQBot", interaction.client)


def member_locales(interaction: discord.Interaction) -> list[str | None]:
    """The member's client locale, then the server's, as Discord locale codes."""
    guild_locale = interaction.guild_locale
    return [interaction.locale.value, guild_locale.value if guild_locale else None]


def reply_language(
    engine: Engine, interaction: discord.Interaction, text: str = "", explicit: str | None = None
) -> str:
    """The reply language: ``explicit``, then the language of ``text``, the client, the server, English."""
    return choose_language(engine.faq, text, explicit, member_locales(interaction))


def message(engine: Engine, key: str, lang: str, **values: Any) -> str:
    """A language-pack message in ``lang``, with its ``{placeholders}`` filled."""
    text = engine.faq.message(key, lang)
    return text.format(**values) if values else text


def is_moderator(interaction: discord.Interaction, moderator_role_ids: frozenset[int]) -> bool:
    """Manage Server in this channel, or one of the configured moderator roles."""
    if interaction.permissions.manage_guild:
        return True
    roles = getattr(interaction.user, "roles", ())
    return any(role.id in moderator_role_ids for role in roles)


def answer_embed(answer: Answer) -> discord.Embed:
    """The answer as a :class:`discord.Embed` (built by :func:`bot.answer.render_embed`)."""
    return discord.Embed.from_dict(render_embed(answer))


async def send(
    interaction: discord.Interaction,
    *,
    content: str | None = None,
    embed: discord.Embed | None = None,
    view: discord.ui.View | None = None,
    ephemeral: bool = True,
) -> None:
    """Reply to ``interaction``: the first response, or a follow-up once it was deferred or answered."""
    kwargs: dict[str, Any] = {"ephemeral": ephemeral}
    if content:
        kwargs["content"] = clip(content, CONTENT_LIMIT)
    if embed is not None:
        kwargs["embed"] = embed
    if view is not None:
        kwargs["view"] = view
    if interaction.response.is_done():
        await interaction.followup.send(**kwargs)
    else:
        await interaction.response.send_message(**kwargs)


def log_answer(kind: str, answer: Answer, interaction: discord.Interaction) -> None:
    """Log at DEBUG what was answered: the decision, entry, score and locales, and nothing about who asked.

    DEBUG, not INFO: even without ids, one timestamped line per answer says
    when someone asked about what, and the insights database already counts
    answers per day. At the default level nothing is logged per answer, and
    the record is not even built.
    """
    log.debug(
        "%s decision=%s entry=%s score=%.1f lang=%s locale=%s",
        kind,
        answer.status,
        answer.entry_id or "-",
        answer.score,
        answer.lang,
        interaction.locale.value,
    )
