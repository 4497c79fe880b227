"""The one place failures are answered: a short, private message in the member's language.

:func:`on_app_command_error` is installed as the command tree's ``on_error``;
button and select callbacks call :func:`apologise` themselves (discord.py
only logs their failures). Check failures get their own friendly message;
anything else gets an apology, and the log gets the exception type, the
command and where it failed, but no member, server, channel or question.
"""

from __future__ import annotations

import logging
import math
import traceback

import discord
from discord import app_commands

from bot.replies import bot_of, message, reply_language, send

log = logging.getLogger("bot.errors")


def _reply_for(interaction: discord.Interaction, error: Exception) -> str:
    """The message for ``error``, in the member's language."""
    engine = bot_of(interaction).engine
    lang = reply_language(engine, interaction)
    if isinstance(error, app_commands.CommandOnCooldown):
        return message(engine, "cooldown", lang, seconds=max(1, math.ceil(error.retry_after)))
    if isinstance(error, app_commands.MissingPermissions):
        return message(engine, "not_moderator", lang)
    if isinstance(error, app_commands.CheckFailure):
        return message(engine, "check_failed", lang)
    return message(engine, "error", lang)


def _log_failure(error: Exception, where: str) -> None:
    """Log the exception type and the stack (file and line only, no values) of a failure."""
    original = error.original if isinstance(error, app_commands.CommandInvokeError) else error
    stack = "".join(traceback.format_tb(original.__traceback__)).rstrip()
    log.error("%s failed: %s\n%s", where, type(original).__name__, stack)


async def apologise(interaction: discord.Interaction, error: Exception, where: str) -> None:
    """Answer a failed interaction privately, whether or not it was already answered or deferred."""
    if not isinstance(error, app_commands.CheckFailure):
        _log_failure(error, where)
    try:
        await send(interaction, content=_reply_for(interaction, error))
    except discord.HTTPException as exc:
        log.warning("%s: could not send the apology (%s %s)", where, type(exc).__name__, exc.status)


async def on_app_command_error(interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
    """The command tree's error handler (see ``FAQBot.setup_hook``)."""
    command = interaction.command
    await apologise(interaction, error, f"/{command.qualified_name}" if command else "a command")
