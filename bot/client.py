"""The Discord client: a slash-command-only bot around one :class:`~bot.engine.Engine`.

:func:`run` starts it (``faqbot run``); :func:`sync` registers the commands
once and exits (``faqbot sync``): the bot never syncs on start.

The bot asks Discord for the ``guilds`` intent only (no privileged intents,
no message content) and never lets a reply mention anyone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Sequence
from typing import Any, TextIO

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from bot.answer import clip
from bot.cogs.ask import AskCog
from bot.cogs.errors import on_app_command_error
from bot.cogs.faq import FAQCog
from bot.cogs.insights import InsightsCog
from bot.config import Settings
from bot.engine import Engine, load_in_thread
from bot.guild_settings import SettingsStore, StaticSettingsStore
from bot.insights.service import Insights
from bot.language import language_for_locale
from bot.logsafe import protect_discord_loggers
from bot.views import DYNAMIC_ITEMS

log = logging.getLogger("bot.client")
DESCRIPTION_MAX = 100
TOKEN_REJECTED = "error: Discord rejected DISCORD_TOKEN; copy the token again from the Bot page (Reset Token)."


def intents() -> discord.Intents:
    """Only what slash commands need: the ``guilds`` intent."""
    chosen = discord.Intents.none()
    chosen.guilds = True
    return chosen


class PackTranslator(app_commands.Translator):
    """Command and option names and descriptions (and choice names) in each language, read from the language packs.

    A string is translated when it carries a ``key`` (see :func:`bot.cogs.named`
    and :func:`bot.cogs.described`) and a language pack claims the locale.
    Names need no check here: the loader refuses a pack whose names Discord
    would reject. discord.py asks at ``faqbot sync`` only, so a reloaded pack
    reaches members' command lists at the next sync.
    """

    def __init__(self, bot: FAQBot) -> None:
        """Read from ``bot``'s live FAQ."""
        self.bot = bot

    async def translate(
        self, string: app_commands.locale_str, locale: discord.Locale, context: app_commands.TranslationContextTypes
    ) -> str | None:
        """The pack's text for ``string``'s key in ``locale`` (at most 100 characters), or ``None`` for the default."""
        key = string.extras.get("key")
        faq = self.bot.engine.faq
        lang = language_for_locale(faq, locale.value)
        if key is None or lang is None:
            return None
        text = faq.languages[lang].messages.get(key)
        return clip(text, DESCRIPTION_MAX) if text else None


class FAQBot(commands.Bot):
    """The FAQ bot: slash commands only, the FAQ in :attr:`engine`.

    Attributes a newcomer needs:

    ``engine``
        The live :class:`~bot.engine.Engine`. :meth:`reload_faq` replaces it in
        one assignment; each command reads it once into a local, so an answer
        always comes from one whole FAQ.
    ``guild_settings``
        A :class:`~bot.guild_settings.SettingsStore` (per-server visibility,
        referral...). It starts as a :class:`~bot.guild_settings.StaticSettingsStore`
        built from the environment; another store (e.g. SQLite-backed) is
        installed by assigning this attribute.

    Event for other cogs: after every ``/ask`` reply and every "did you mean"
    click, *after* the reply was sent, the bot dispatches ``faq_answer`` with
    ``(guild_id: int | None, answer: Answer, locale: discord.Locale)``. Listen
    with ``@commands.Cog.listener("on_faq_answer")``. Listeners run as their own
    tasks, so recording can neither delay nor break an answer. The answer
    carries the member's question (``answer.question``): a listener must not
    log or keep it unless the server opted in.
    """

    def __init__(self, settings: Settings, engine: Engine, **options: Any) -> None:
        """A bot for ``settings`` answering from ``engine`` (``options`` go to discord.py)."""
        super().__init__(
            command_prefix=(),
            help_command=None,
            intents=intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            **options,
        )
        self.settings = settings
        self.engine = engine
        self.guild_settings: SettingsStore = StaticSettingsStore(settings)
        self.insights: Insights | None = None
        self.reload_lock = asyncio.Lock()
        protect_discord_loggers()

    async def setup_hook(self) -> None:
        """Install the translator and the error handler, add the cogs, register the persistent components."""
        await self.tree.set_translator(PackTranslator(self))
        self.tree.error(on_app_command_error)
        await self.add_cog(AskCog(self))
        await self.add_cog(FAQCog(self))
        await self.start_insights()
        self.add_dynamic_items(*DYNAMIC_ITEMS)

    async def start_insights(self) -> None:
        """Unless ``INSIGHTS_DB`` is empty: open it, serve per-server settings from it, add the moderator commands.

        A database that cannot be opened only disables insights (see
        :meth:`bot.insights.service.Insights.start`); the bot still answers.
        """
        if self.settings.insights_db is None:
            return
        secret = self.settings.insights_secret
        self.insights = await Insights.start(
            self.settings.insights_db,
            self.guild_settings,
            secret=secret.reveal().encode("utf-8") if secret else None,
        )
        self.guild_settings = self.insights.settings
        await self.add_cog(InsightsCog(self, self.insights))

    async def close(self) -> None:
        """Write the insights still queued and close their database, then disconnect.

        Insights close first: once discord.py's own close finishes, ``async with bot``
        returns and ``asyncio.run`` cancels what is left, and an unclosed database
        thread would keep the process from exiting.
        """
        if self.insights is not None:
            await self.insights.close()
        await super().close()

    async def on_message(self, message: discord.Message, /) -> None:
        """Slash commands only: messages are never read (the bot does not even receive them)."""

    async def reload_faq(self) -> tuple[Engine, Engine]:
        """Load the FAQ folder again off the event loop and swap it in; return ``(old, new)``.

        Raises :class:`~bot.errors.FAQLoadError` (and keeps the live FAQ) if
        the folder does not validate. Concurrent reloads run one at a time.
        """
        async with self.reload_lock:
            new = await load_in_thread(self.settings.faq_dir, self.settings.seeds_dir, previous=self.engine)
            old, self.engine = self.engine, new
        log.info("FAQ reloaded: %d entries, version %s", len(new.faq.entries), new.faq.version)
        return old, new


class ShardedFAQBot(FAQBot, commands.AutoShardedBot):
    """The same bot on discord.py's auto-sharded client (``SHARD_COUNT``/``SHARD_IDS``)."""


def create_bot(settings: Settings, engine: Engine) -> FAQBot:
    """A plain bot, or an auto-sharded one when the settings name shards."""
    if settings.sharded:
        shard_ids = list(settings.shard_ids) if settings.shard_ids else None
        return ShardedFAQBot(settings, engine, shard_count=settings.shard_count, shard_ids=shard_ids)
    return FAQBot(settings, engine)


async def _start(bot: FAQBot, token: str) -> None:
    """Connect and serve until SIGTERM (systemd stop) or SIGINT (Ctrl-C), then close cleanly.

    A signal stops the serving task first and lets ``async with bot`` close
    the connection, so Discord sees a normal close (1000) and ends the
    session, instead of the bot being closed under discord.py's gateway read.
    """
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    async with bot:
        serving = asyncio.create_task(bot.start(token))
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({serving, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        while not serving.done():  # Python 3.11's wait_for can swallow one cancellation
            serving.cancel()
            await asyncio.wait({serving}, timeout=1.0)
        if not serving.cancelled():
            serving.result()


def run(settings: Settings, engine: Engine, err: TextIO) -> int:
    """``faqbot run``: serve until stopped; the exit code."""
    bot = create_bot(settings, engine)
    log.info("starting with %d FAQ entries (version %s)", len(engine.faq.entries), engine.faq.version)
    try:
        asyncio.run(_start(bot, settings.token.reveal()))
    except discord.LoginFailure:
        print(TOKEN_REJECTED, file=err)
        return 2
    except (discord.DiscordException, aiohttp.ClientError, OSError) as exc:
        print(f"error: lost or could not reach Discord ({type(exc).__name__}); see the log above.", file=err)
        return 1
    except KeyboardInterrupt:
        return 0
    return 0


def describe_synced(synced: Sequence[app_commands.AppCommand]) -> list[str]:
    """``/ask``, ``/faq topics``... for each synced command and subcommand."""
    names: list[str] = []
    for command in synced:
        subcommands = [o.name for o in command.options if isinstance(o, app_commands.AppCommandGroup)]
        names += [f"/{command.name} {sub}" for sub in subcommands] or [f"/{command.name}"]
    return names


async def _sync(bot: FAQBot, token: str, guild_id: int | None) -> list[app_commands.AppCommand]:
    """Log in (no gateway connection), sync the commands once, close."""
    async with bot:
        await bot.login(token)
        if guild_id is None:
            return await bot.tree.sync()
        guild = discord.Object(id=guild_id)
        bot.tree.copy_global_to(guild=guild)
        return await bot.tree.sync(guild=guild)


def sync(settings: Settings, engine: Engine, guild_id: int | None, out: TextIO, err: TextIO) -> int:
    """``faqbot sync [--guild ID]``: register the slash commands and say which; the exit code."""
    bot = create_bot(settings, engine)
    try:
        synced = asyncio.run(_sync(bot, settings.token.reveal(), guild_id))
    except discord.LoginFailure:
        print(TOKEN_REJECTED, file=err)
        return 2
    except discord.HTTPException as exc:
        print(f"error: Discord refused the sync ({exc.status}): {exc.text}", file=err)
        return 1
    except (discord.DiscordException, aiohttp.ClientError, OSError) as exc:
        print(f"error: could not reach Discord ({type(exc).__name__}).", file=err)
        return 1
    where = f"to server {guild_id} (available there at once)" if guild_id else "globally (may take a while to appear)"
    print(f"synced {len(synced)} command(s) {where}:", file=out)
    for name in describe_synced(synced):
        print(f"  {name}", file=out)
    return 0
