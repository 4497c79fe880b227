"""/ask: each decision, visibility, language, cooldown, autocomplete and the faq_answer hook."""

from __future__ import annotations

import logging

import discord
import pytest

from bot.answer import Answer
from bot.client import FAQBot
from bot.cogs.ask import AskCog, Cooldowns, choice_value, question_choices
from bot.engine import Engine
from bot.guild_settings import GuildSettings, StaticSettingsStore
from tests.cogs.conftest import GUILD_ID, MOD_ROLE, USER_ID, FakeInteraction, Sent, invoke, make_bot
from tests.conftest import ftca_entry

ANSWERED = "ice hold"
SUGGESTED = "claim"
UNKNOWN = "weather today"


async def ask(cog: AskCog, question: str, **kwargs: object) -> FakeInteraction:
    """Run /ask as a member and return the interaction."""
    options = {k: kwargs.pop(k) for k in ("public", "language") if k in kwargs}
    interaction = FakeInteraction(cog.bot, **kwargs)  # type: ignore[arg-type]
    await invoke(AskCog.ask, cog, interaction, question=question, **options)
    return interaction


async def test_a_confident_match_is_answered_with_its_sources(ask_cog: AskCog, small_engine: Engine) -> None:
    reply = (await ask(ask_cog, ANSWERED)).reply
    entry = small_engine.faq.by_id["detainer-is-request"]
    assert reply.kind == "response" and reply.ephemeral and reply.content is None
    assert reply.embed["title"] == entry.question
    assert reply.embed["description"] == entry.text("en").answer
    (source,) = reply.embed["fields"]
    assert entry.citations[0].quote in source["value"] and entry.citations[0].section in source["value"]
    assert reply.embed["footer"]["text"] == small_engine.faq.message("disclaimer")
    assert reply.components == []


async def test_an_unsure_match_offers_did_you_mean_buttons(ask_cog: AskCog, small_engine: Engine) -> None:
    reply = (await ask(ask_cog, SUGGESTED)).reply
    assert reply.embed["title"] == small_engine.faq.message("suggest_intro")
    assert reply.custom_ids() == ["faq:show:ftca-vs-personal-suit"]
    button = reply.component("faq:show:ftca-vs-personal-suit")
    assert button["label"] == small_engine.faq.by_id["ftca-vs-personal-suit"].question


async def test_no_match_says_so_with_referral_and_a_way_to_browse(ask_cog: AskCog, small_engine: Engine) -> None:
    reply = (await ask(ask_cog, UNKNOWN)).reply
    faq = small_engine.faq
    assert reply.embed["title"] == faq.message("no_match")
    assert faq.message("referral") in reply.embed["description"]
    assert faq.message("topics_hint") in reply.embed["description"]
    assert reply.embed["footer"]["text"] == faq.message("disclaimer")
    assert reply.custom_ids() == ["faq:topics:en"]


async def test_a_decline_by_subject_offers_related_entries_as_buttons(shipped_engine: Engine) -> None:
    cog = AskCog(make_bot(shipped_engine, insights_db=None))
    reply = (await ask(cog, "287g county")).reply
    faq = shipped_engine.faq
    assert reply.embed["title"] == faq.message("no_match")
    assert faq.message("related_intro") in reply.embed["description"]
    assert reply.custom_ids()[0] == "faq:show:what-is-287g" and reply.custom_ids()[-1] == "faq:topics:en"
    assert reply.component("faq:show:what-is-287g")["label"] == faq.by_id["what-is-287g"].question


async def test_a_personal_question_leads_with_the_warning_and_the_servers_referral(small_engine: Engine) -> None:
    bot = make_bot(small_engine, referral="Rapid response: 555-0100")
    reply = (await ask(AskCog(bot), "my husband has an ice hold")).reply
    description = reply.embed["description"]
    assert description.startswith("⚠️ **" + small_engine.faq.message("personal_warning"))
    assert "Rapid response: 555-0100" in description


@pytest.mark.parametrize(
    ("guild", "public", "ephemeral", "noted"),
    [
        (GuildSettings(default_public=False, public_allowed=True, referral=None), None, True, False),
        (GuildSettings(default_public=False, public_allowed=True, referral=None), True, False, False),
        (GuildSettings(default_public=True, public_allowed=True, referral=None), None, False, False),
        (GuildSettings(default_public=True, public_allowed=True, referral=None), False, True, False),
        (GuildSettings(default_public=False, public_allowed=False, referral=None), True, True, True),
        (GuildSettings(default_public=False, public_allowed=False, referral=None), None, True, False),
    ],
)
async def test_visibility(
    bot: FAQBot, guild: GuildSettings, public: bool | None, ephemeral: bool, noted: bool, small_engine: Engine
) -> None:
    store = StaticSettingsStore(bot.settings)
    store.value = guild
    bot.guild_settings = store
    reply = (await ask(AskCog(bot), ANSWERED, public=public)).reply
    assert reply.ephemeral is ephemeral
    assert reply.content == (small_engine.faq.message("public_not_allowed") if noted else None)


@pytest.mark.parametrize("default_public", [True, False])
async def test_a_personal_question_is_never_answered_in_public(
    bot: FAQBot, default_public: bool, small_engine: Engine
) -> None:
    store = StaticSettingsStore(bot.settings)
    store.value = GuildSettings(default_public=default_public, public_allowed=True, referral=None)
    bot.guild_settings = store
    reply = (await ask(AskCog(bot), "my husband has an ice hold, is it mandatory?", public=True)).reply
    assert reply.ephemeral is True
    assert reply.content == small_engine.faq.message("personal_kept_private")


async def test_the_settings_store_is_asked_for_this_server(bot: FAQBot) -> None:
    asked: list[int | None] = []

    class Store:
        async def get(self, guild_id: int | None) -> GuildSettings:
            asked.append(guild_id)
            return GuildSettings(default_public=False, public_allowed=True, referral="Server hotline")

    bot.guild_settings = Store()
    reply = (await ask(AskCog(bot), UNKNOWN)).reply
    assert asked == [GUILD_ID] and "Server hotline" in reply.embed["description"]
    await ask(AskCog(bot), UNKNOWN, guild_id=None)
    assert asked[-1] is None


@pytest.mark.parametrize(
    ("question", "options", "expected"),
    [
        (ANSWERED, {"language": "es"}, "es"),
        (ANSWERED, {"locale": "es-419"}, "es"),
        (ANSWERED, {"locale": "fr", "guild_locale": "es-ES"}, "es"),
        ("la orden de retencion es obligatoria", {"locale": "en-US"}, "es"),
        ("la orden de retencion es obligatoria", {"language": "en"}, "en"),
        (ANSWERED, {"locale": "fr", "guild_locale": "de"}, "en"),
        (ANSWERED, {"language": "xx"}, "en"),
    ],
)
async def test_reply_language(
    ask_cog: AskCog, small_engine: Engine, question: str, options: dict[str, str], expected: str
) -> None:
    reply = (await ask(ask_cog, question, **options)).reply
    assert reply.embed["title"] == small_engine.faq.by_id["detainer-is-request"].text(expected).question
    assert reply.embed["footer"]["text"] == small_engine.faq.message("disclaimer", expected)


async def test_faq_answer_is_dispatched_after_the_reply(ask_cog: AskCog) -> None:
    await ask(ask_cog, ANSWERED, locale="es-ES")
    reply, dispatched = ask_cog.bot.log
    assert isinstance(reply, Sent)
    marker, event, guild_id, answer, locale = dispatched
    assert marker == "dispatch"
    assert (event, guild_id, locale) == ("faq_answer", GUILD_ID, discord.Locale.spain_spanish)
    assert isinstance(answer, Answer) and answer.entry_id == "detainer-is-request"


async def test_each_ask_reads_the_engine_once(ask_cog: AskCog, bot: FAQBot, make_faq) -> None:
    """A reload landing while /ask awaits cannot mix two FAQs: this answer uses the engine read first."""
    other = Engine.load(make_faq({"x.yaml": [ftca_entry()]}, name="other"))

    class SwappingStore:
        async def get(self, guild_id: int | None) -> GuildSettings:
            bot.engine = other
            return GuildSettings(default_public=False, public_allowed=True, referral=None)

    bot.guild_settings = SwappingStore()
    assert (await ask(ask_cog, ANSWERED)).reply.embed["title"] == "Is an ICE detainer an order, or only a request?"
    assert (await ask(ask_cog, ANSWERED)).reply.embed["title"] == other.faq.message("no_match")


def test_cooldown_buckets() -> None:
    now = [100.0]
    cooldowns = Cooldowns(rate=2, per=10, clock=lambda: now[0])
    assert cooldowns.hit(1) is None and cooldowns.hit(1) is None
    assert cooldowns.hit(1) == pytest.approx(10.0)
    assert cooldowns.hit(2) is None
    now[0] = 105.0
    assert cooldowns.hit(1) == pytest.approx(5.0)
    now[0] = 110.0
    assert cooldowns.hit(1) is None
    now[0] = 1000.0
    assert cooldowns.hit(3) is None and len(cooldowns) == 1, "members without recent uses are forgotten"


async def test_cooldown_refuses_privately_with_the_retry_time(small_engine: Engine) -> None:
    bot = make_bot(small_engine, cooldown_rate=2, cooldown_per=30.0)
    cog = AskCog(bot)
    now = [0.0]
    cog.cooldowns.clock = lambda: now[0]
    for _ in range(2):
        assert (await ask(cog, ANSWERED)).reply.embed is not None
    now[0] = 12.2
    refused = await ask(cog, ANSWERED)
    assert refused.reply.ephemeral and refused.reply.embed is None
    assert refused.reply.content == small_engine.faq.message("cooldown").format(seconds=18)
    assert len([e for e in bot.log if isinstance(e, tuple)]) == 2, "a refused ask is not an answer"
    assert (await ask(cog, ANSWERED, user_id=USER_ID + 1)).reply.embed is not None, "others are not limited"


async def test_moderators_are_never_rate_limited(small_engine: Engine) -> None:
    bot = make_bot(small_engine, cooldown_rate=1, moderator_role_ids=frozenset({MOD_ROLE}))
    cog = AskCog(bot)
    for _ in range(3):
        assert (await ask(cog, ANSWERED, roles=(MOD_ROLE,))).reply.embed is not None
        manager = discord.Permissions(manage_guild=True)
        assert (await ask(cog, ANSWERED, user_id=5, permissions=manager)).reply.embed is not None
    assert len(cog.cooldowns) == 0


async def test_autocomplete_ranks_faq_questions(ask_cog: AskCog, small_engine: Engine) -> None:
    interaction = FakeInteraction(ask_cog.bot)
    choices = await ask_cog.question_autocomplete(interaction, "tort claim")  # type: ignore[arg-type]
    assert choices[0].value == small_engine.faq.by_id["ftca-vs-personal-suit"].question
    assert len(choices) <= 25 and all(len(c.name) <= 100 and len(c.value) <= 100 for c in choices)
    spanish = await ask_cog.question_autocomplete(FakeInteraction(ask_cog.bot, locale="es-ES"), "")  # type: ignore[arg-type]
    assert {c.value for c in spanish} == {e.text("es").question for e in small_engine.faq.entries}


async def test_a_chosen_suggestion_is_matched_again(ask_cog: AskCog, small_engine: Engine) -> None:
    """The value of a choice goes back through the engine like any typed question."""
    for choice in question_choices(small_engine, "", "en"):
        reply = (await ask(ask_cog, choice.value, user_id=hash(choice.value) % 10**6)).reply
        assert reply.embed["title"] == choice.value


def test_empty_input_offers_the_first_question_of_each_topic(shipped_engine: Engine) -> None:
    choices = question_choices(shipped_engine, "", "en")
    assert len(choices) == 25 or len(choices) == len(shipped_engine.faq.entries)
    firsts = []
    for slug in shipped_engine.faq.topics:
        entries = [e for e in shipped_engine.faq.entries if slug in e.topics]
        if entries and entries[0].question not in firsts:
            firsts.append(entries[0].question)
    assert [c.value for c in choices[: len(firsts)]] == [choice_value(q) for q in firsts]


def test_choice_values_are_cut_at_a_word() -> None:
    long = "word " * 30
    assert choice_value("short") == "short"
    cut = choice_value(long.strip())
    assert len(cut) <= 100 and cut.endswith("word") and "…" not in cut


async def test_language_autocomplete_lists_the_packs(ask_cog: AskCog) -> None:
    interaction = FakeInteraction(ask_cog.bot)
    assert [c.value for c in await ask_cog.language_autocomplete(interaction, "")] == ["en", "es"]  # type: ignore[arg-type]
    assert [c.value for c in await ask_cog.language_autocomplete(interaction, "espa")] == ["es"]  # type: ignore[arg-type]


async def test_logs_name_the_decision_never_the_member(ask_cog: AskCog, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    question = "my cousin Rosalind was detained at 14 Elm Street"
    await ask(ask_cog, question)
    await ask(ask_cog, ANSWERED)
    text = caplog.text
    assert "decision=answer entry=detainer-is-request" in text
    for secret in (question, "Rosalind", str(USER_ID), str(GUILD_ID)):
        assert secret not in text


async def test_answers_leave_no_log_line_at_info(ask_cog: AskCog, caplog: pytest.LogCaptureFixture) -> None:
    """A timestamped line per answer says when someone asked about what: it is DEBUG only."""
    caplog.set_level(logging.INFO)
    for question in (ANSWERED, SUGGESTED, UNKNOWN):
        await ask(ask_cog, question)
    assert [r for r in caplog.records if r.name == "bot.answers"] == []
