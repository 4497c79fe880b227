"""``/ask question:<text> [public] [language]``: one question, one honest answer.

The command reads ``bot.engine`` once, so an answer always comes from one
whole FAQ even while a reload swaps it. Matching takes well under a
millisecond, so the reply is sent directly, within Discord's 3 seconds.
After the reply is sent the bot dispatches ``faq_answer`` (see
:meth:`bot.client.FAQBot.setup_hook`).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.answer import clip
from bot.cogs import described, named
from bot.engine import Engine
from bot.guild_settings import GuildSettings
from bot.replies import answer_embed, is_moderator, log_answer, member_locales, message, reply_language, send
from bot.views import answer_view, first_questions

if TYPE_CHECKING:
    from bot.client import FAQBot

MAX_CHOICES = 25
CHOICE_MAX = 100


class Cooldowns:
    """A per-member rate limit kept in memory only: at most ``rate`` uses per ``per`` seconds.

    Keys are user ids, held only while they have recent uses (every call
    prunes expired ones); nothing is logged or written anywhere.
    """

    def __init__(self, rate: int, per: float, clock: Callable[[], float] = time.monotonic) -> None:
        """Allow ``rate`` uses per ``per`` seconds, timed by ``clock``."""
        self.rate, self.per, self.clock = rate, per, clock
        self._uses: dict[int, deque[float]] = {}
        self._pruned_at = clock()

    def __len__(self) -> int:
        """How many members are currently tracked."""
        return len(self._uses)

    def _expire(self, key: int, now: float) -> None:
        """Forget ``key``'s uses older than the window, and ``key`` itself if none are left."""
        uses = self._uses.get(key)
        if uses is None:
            return
        while uses and uses[0] <= now - self.per:
            uses.popleft()
        if not uses:
            del self._uses[key]

    def hit(self, key: int) -> float | None:
        """Count one use by ``key``; return the seconds to wait if over the limit (then nothing is counted).

        Only ``key``'s own uses are checked on each call; everyone else's
        expired uses are swept at most once per window, so a burst from many
        members costs the same per use as a quiet day.
        """
        now = self.clock()
        if now - self._pruned_at >= self.per:
            for member in list(self._uses):
                self._expire(member, now)
            self._pruned_at = now
        self._expire(key, now)
        uses = self._uses.setdefault(key, deque())
        if len(uses) >= self.rate:
            return uses[0] + self.per - now
        uses.append(now)
        return None


def visibility(guild: GuildSettings, public: bool | None, personal: bool) -> tuple[bool, str | None]:
    """``(ephemeral, note)``: whether to reply privately, and the message key that says why a public reply was not.

    A question that sounds like the member's own case is always answered
    privately: a public reply would tell the channel who is in trouble.
    """
    wanted = guild.default_public if public is None else public
    if not wanted:
        return True, None
    if personal:
        return True, "personal_kept_private"
    if not guild.public_allowed:
        return True, "public_not_allowed" if public is True else None
    return False, None


def choice_value(question: str) -> str:
    """A question cut to Discord's 100-character choice value, at a word boundary and without an ellipsis."""
    if len(question) <= CHOICE_MAX:
        return question
    cut = question[:CHOICE_MAX]
    return cut.rsplit(" ", 1)[0] if " " in cut else cut


def question_choices(engine: Engine, typed: str, lang: str) -> list[app_commands.Choice[str]]:
    """Up to 25 FAQ questions ranked against what was typed (the first of each topic when nothing is)."""
    faq = engine.faq
    if typed.strip():
        _, _, normalized = engine.matcher.prepare(typed)
        entries = [faq.by_id[c.entry_id] for c in engine.matcher.rank(normalized, limit=MAX_CHOICES)]
    else:
        entries = first_questions(faq, MAX_CHOICES)
    questions = [e.text(lang).question for e in entries[:MAX_CHOICES]]
    return [app_commands.Choice(name=clip(q, CHOICE_MAX), value=choice_value(q)) for q in questions]


def language_choices(engine: Engine, typed: str) -> list[app_commands.Choice[str]]:
    """The languages the FAQ has a pack for, filtered by what was typed."""
    wanted = typed.strip().casefold()
    return [
        app_commands.Choice(name=clip(f"{pack.name} ({code})", CHOICE_MAX), value=code)
        for code, pack in engine.faq.languages.items()
        if wanted in f"{code} {pack.name}".casefold()
    ][:MAX_CHOICES]


class AskCog(commands.Cog):
    """The ``/ask`` command."""

    def __init__(self, bot: FAQBot) -> None:
        """Attach to ``bot``, with a cooldown from its settings."""
        self.bot = bot
        self.cooldowns = Cooldowns(bot.settings.cooldown_rate, bot.settings.cooldown_per)

    def check_cooldown(self, interaction: discord.Interaction) -> None:
        """Raise :class:`~discord.app_commands.CommandOnCooldown` if the member asks too often (moderators never)."""
        if is_moderator(interaction, self.bot.settings.moderator_role_ids):
            return
        retry_after = self.cooldowns.hit(interaction.user.id)
        if retry_after is not None:
            cooldown = app_commands.Cooldown(self.cooldowns.rate, self.cooldowns.per)
            raise app_commands.CommandOnCooldown(cooldown, retry_after)

    @app_commands.command(
        name=named("command_ask_name", "ask"),
        description=described("command_ask", "Ask about police, sheriffs and ICE; get a cited answer"),
    )
    @app_commands.rename(
        question=named("option_ask_question_name", "question"),
        public=named("option_ask_public_name", "public"),
        language=named("option_ask_language_name", "language"),
    )
    @app_commands.describe(
        question=described("option_ask_question", "Your question. Do not include names or details of a real case."),
        public=described("option_ask_public", "Post the answer in the channel (if this server allows it)"),
        language=described("option_ask_language", "Language of the answer"),
    )
    async def ask(
        self, interaction: discord.Interaction, question: str, public: bool | None = None, language: str | None = None
    ) -> None:
        """Answer ``question`` (or suggest, or honestly decline), then tell listeners."""
        self.check_cooldown(interaction)
        engine = self.bot.engine
        guild = await self.bot.guild_settings.get(interaction.guild_id)
        answer = engine.ask(question, lang=language, locales=member_locales(interaction), referral=guild.referral)
        ephemeral, note = visibility(guild, public, answer.personal)
        await send(
            interaction,
            content=message(engine, note, answer.lang) if note else None,
            embed=answer_embed(answer),
            view=answer_view(engine, answer),
            ephemeral=ephemeral,
        )
        log_answer("ask", answer, interaction)
        self.bot.dispatch("faq_answer", interaction.guild_id, answer, interaction.locale)

    @ask.autocomplete("question")
    async def question_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """FAQ questions close to what the member has typed so far (only suggestions: /ask re-matches)."""
        engine = self.bot.engine
        lang = reply_language(engine, interaction, current, interaction.namespace.language)
        return question_choices(engine, current, lang)

    @ask.autocomplete("language")
    async def language_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """The available answer languages."""
        return language_choices(self.bot.engine, current)
