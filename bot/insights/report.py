"""Plain-text reports of stats, gaps and settings, shared by ``/faq`` and the ``faqbot`` command line.

Every report fits ``limit`` characters (Discord's 2,000 for a message):
sections are filled in order and a section that does not fit whole is cut
with a "... N more" line. Member-written text (gap questions) only ever
appears inside a code block with its back-ticks replaced, so it cannot
format or mention anything.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import fields
from typing import Any

from bot.faq import FAQ
from bot.insights.gaps import Gap
from bot.insights.store import Stats

DECISION_NAMES = {"answer": "answered", "suggest": "suggested", "none": "no match"}
LINE_MAX = 160
NO_LIMIT = 1_000_000


def titles_of(faq: FAQ) -> dict[str, str]:
    """What a report shows beside an id: an entry's question, or a not-covered subject's topic."""
    titles = {entry.id: entry.question for entry in faq.entries}
    titles.update({subject.id: f"not covered: {subject.topic('en')}" for subject in faq.not_covered})
    return titles


def _clip(text: str, limit: int = LINE_MAX) -> str:
    """Cut one line to ``limit`` characters."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _percent(part: int, whole: int) -> str:
    """``part`` of ``whole`` as a whole percentage."""
    return f"{round(100 * part / whole)}%" if whole else "-"


def fit(head: str, sections: Sequence[tuple[str, Sequence[str]]], limit: int) -> str:
    """Join ``head`` and each ``(title, lines)`` section, cutting lines so the whole stays within ``limit``."""
    out = head
    for title, lines in sections:
        if not lines:
            continue
        block = f"\n\n{title}" if title else ""
        if len(out) + len(block) + 40 > limit:
            break
        out += block
        for index, line in enumerate(lines):
            rest = len(lines) - index
            more = f"\n  … {rest} more" if rest > 1 else ""
            if len(out) + 1 + len(line) + (len(f"\n  … {rest - 1} more") if rest > 1 else 0) > limit:
                out += more if len(out) + len(more) <= limit else ""
                break
            out += "\n" + line
    return out[:limit]


def render_stats(
    stats: Stats, titles: Mapping[str, str] | None = None, *, limit: int = NO_LIMIT, scope: str = "this server"
) -> str:
    """Most-used entries, the decision mix, and the answer rate per day (newest first when cut)."""
    titles = titles or {}
    days = (stats.until - stats.since).days + 1
    head = f"Insights for {scope}, last {days} day(s) ({stats.since} to {stats.until}): {stats.total} replies"
    if not stats.total:
        return _clip(head + "\nNothing recorded in this window.", limit)
    if stats.servers > 1:
        head += f" in {stats.servers} servers"
    mix = ", ".join(
        f"{DECISION_NAMES[d]} {stats.decisions.get(d, 0)} ({_percent(stats.decisions.get(d, 0), stats.total)})"
        for d in DECISION_NAMES
    )
    head += f"\nDecisions: {mix}"

    def entry_line(entry_id: str, count: int) -> str:
        """One entry with its count and (if known) its question."""
        title = titles.get(entry_id)
        return _clip(f"{count:>5}  {entry_id}" + (f" - {title}" if title else ""))

    per_day = [
        f"  {day}  {answered:>4}/{total:<4} {_percent(answered, total):>4}  " + "#" * round(10 * answered / total)
        for day, answered, total in reversed(stats.per_day)
    ]
    languages = ["  " + ", ".join(f"{loc or '?'} {n}" for loc, n in stats.locales)]
    return fit(
        head,
        [
            ("Most used answers:", [entry_line(e, n) for e, n in stats.top_answers]),
            (
                "Often suggested but not sure enough (consider more alternates):",
                [entry_line(e, n) for e, n in stats.top_suggestions],
            ),
            (
                "Declined, on subjects the sources do not cover (faq/not-covered.yaml):",
                [entry_line(e, n) for e, n in stats.top_not_covered],
            ),
            ("Answer rate per day (answered/replies), newest first:", per_day),
            ("Members' languages:", [_clip(line) for line in languages]),
        ],
        limit,
    )


def render_gaps(
    gaps: Sequence[Gap], days: int, *, limit: int = NO_LIMIT, recording: bool = True, scope: str = "this server"
) -> str:
    """Grouped unanswered questions, biggest first, inside a code block."""
    if not recording and not gaps:
        return (
            "This server does not keep unanswered questions (record_unanswered is off), so there are no gaps to show. "
            "A moderator can turn it on with /faq settings record_unanswered:true; see PRIVACY.md first."
        )[:limit]
    total = sum(g.count for g in gaps)
    head = f"Unanswered questions for {scope}, last {days} day(s): {total} in {len(gaps)} group(s)"
    if not gaps:
        return (head + "\nNone kept in this window.")[:limit]
    lines: list[str] = []
    for gap in gaps:
        similar = f" (+{len(gap.variants)} similar)" if gap.variants else ""
        lines.append(_clip(f"{gap.count:>4}x {gap.text}{similar}".replace("`", "'")))
    return fit(head + "\n```", [("", lines)], limit - 4) + "\n```"


def render_settings(settings: Any, changed: frozenset[str], *, limit: int = NO_LIMIT) -> str:
    """Each per-server setting with its value, marked "(this server)" or "(bot default)"."""
    lines = ["Settings for this server:"]
    for field in fields(settings):
        value = getattr(settings, field.name)
        shown = "(none)" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
        origin = "this server" if field.name in changed else "bot default"
        lines.append(_clip(f"  {field.name}: {shown}  ({origin})", 400))
    lines.append(
        "Change one with /faq settings <name>:<value>; referral:default returns to the bot's referral text. "
        "Turning record_unanswered off also deletes the questions already kept."
    )
    return "\n".join(lines)[:limit]
