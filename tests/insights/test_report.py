"""Reports stay within Discord's 2,000 characters and member text cannot format anything."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.engine import Engine
from bot.guild_settings import GuildSettings
from bot.insights.gaps import Gap
from bot.insights.report import render_gaps, render_settings, render_stats, titles_of
from bot.insights.store import Stats
from tests.insights.conftest import TODAY

LIMIT = 2000
counts = st.integers(min_value=1, max_value=10**6)
ids = st.text(alphabet="abcdefghijklmnopqrstuvwxyz-0123456789", min_size=1, max_size=80)


@st.composite
def stats_values(draw: st.DrawFn) -> Stats:
    """Any plausible window of counters."""
    days = draw(st.integers(min_value=1, max_value=365))
    per_day = []
    for n in sorted(draw(st.sets(st.integers(min_value=0, max_value=days - 1), max_size=days))):
        total = draw(counts)
        per_day.append(((TODAY - timedelta(days=n)).isoformat(), draw(st.integers(0, total)), total))
    decisions = draw(st.dictionaries(st.sampled_from(["answer", "suggest", "none"]), counts))
    return Stats(
        since=TODAY - timedelta(days=days - 1),
        until=TODAY,
        decisions=decisions,
        top_answers=draw(st.lists(st.tuples(ids, counts), max_size=10)),
        top_suggestions=draw(st.lists(st.tuples(ids, counts), max_size=10)),
        top_not_covered=draw(st.lists(st.tuples(ids, counts), max_size=10)),
        per_day=per_day,
        locales=draw(st.lists(st.tuples(st.sampled_from(["", "en", "es", "pt", "vi", "zh"]), counts), max_size=6)),
        servers=draw(st.integers(0, 5000)),
    )


@settings(max_examples=150, deadline=None, derandomize=True)
@given(stats_values(), st.dictionaries(ids, st.text(max_size=300)))
def test_stats_fit_one_message(stats: Stats, titles: dict[str, str]) -> None:
    assert len(render_stats(stats, titles, limit=LIMIT)) <= LIMIT


@settings(max_examples=150, deadline=None, derandomize=True)
@given(
    st.lists(
        st.builds(Gap, st.text(max_size=200), counts, st.lists(st.tuples(st.text(max_size=50), counts)).map(tuple)),
        max_size=300,
    ),
    st.integers(1, 365),
)
def test_gaps_fit_one_message_inside_one_closed_code_block(gaps: list[Gap], days: int) -> None:
    text = render_gaps(gaps, days, limit=LIMIT)
    assert len(text) <= LIMIT
    if gaps:
        assert text.count("```") == 2 and text.endswith("```")


def test_gaps_show_counts_and_similar_phrasings() -> None:
    text = render_gaps([Gap("what is the 48 hour rule", 12, (("48 hour rule?", 4),)), Gap("bond", 1, ())], 30)
    assert text.splitlines() == [
        "Unanswered questions for this server, last 30 day(s): 13 in 2 group(s)",
        "```",
        "  12x what is the 48 hour rule (+1 similar)",
        "   1x bond",
        "```",
    ]


def test_gaps_explain_when_the_server_keeps_no_questions() -> None:
    assert "record_unanswered is off" in render_gaps([], 30, recording=False)


def test_stats_of_an_empty_window() -> None:
    empty = Stats(TODAY, TODAY, {}, [], [], [], [], [], 0)
    assert render_stats(empty).endswith("Nothing recorded in this window.")


def test_long_per_day_lists_keep_the_newest_days() -> None:
    per_day = [((TODAY - timedelta(days=n)).isoformat(), 1, 2) for n in reversed(range(365))]
    decisions = {"answer": 365, "none": 365}
    stats = Stats(TODAY - timedelta(days=364), TODAY, decisions, [], [], [], per_day, [("en", 730)], 1)
    text = render_stats(stats, limit=LIMIT)
    assert len(text) <= LIMIT and f"  {TODAY.isoformat()}  " in text and "more" in text
    assert f"  {(TODAY - timedelta(days=364)).isoformat()}  " not in text


def test_settings_say_where_each_value_comes_from() -> None:
    text = render_settings(GuildSettings(False, True, "Call 211", retention_days=7), frozenset({"retention_days"}))
    assert "  retention_days: 7  (this server)" in text
    assert "  referral: Call 211  (bot default)" in text
    assert "  default_public: false  (bot default)" in text


def test_stats_list_declines_by_not_covered_subject_with_its_topic(shipped_engine: Engine) -> None:
    subject = shipped_engine.faq.not_covered[0]
    stats = Stats(TODAY, TODAY, {"none": 3}, [], [], [(subject.id, 3)], [(TODAY.isoformat(), 0, 3)], [("en", 3)], 1)
    text = render_stats(stats, titles_of(shipped_engine.faq), limit=LIMIT)
    assert "Declined, on subjects the sources do not cover" in text
    assert f"    3  {subject.id} - not covered: {subject.topic('en')}" in text
