"""The Answer: a pure value that says what to reply, and its renderers.

:func:`build_answer` turns a :class:`~bot.matcher.Match` into an :class:`Answer`
that carries everything a reply needs (the reviewed text, each citation with
its source title, section, checked date and quote, the disclaimer, and the
referral when the question sounds personal). Renderers then format it for
the terminal (:func:`render_text`), for machines (:func:`to_json`) and for
Discord (:func:`render_embed`, a plain ``dict`` in Discord's embed format, so
this module never imports discord).

Nothing here generates text: every sentence comes from the reviewed FAQ or
from a language pack.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.faq import BASE_LANGUAGE, FAQ, Entry, Language, matches
from bot.matcher import MAX_QUESTION_CHARS, Match, Status


@dataclass(frozen=True, slots=True)
class SourceCitation:
    """A citation resolved against ``seeds/sources.yaml``."""

    seed: str
    title: str
    section: str
    checked: str | None
    quote: str
    kind: str | None
    checked_local: str | None = None
    """``checked`` written in the reply's language ("20 de agosto de 2025"); what the renderers show."""


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A "did you mean" entry, or a related one beside a decline by a not-covered subject."""

    id: str
    question: str
    score: float


@dataclass(frozen=True, slots=True)
class Answer:
    """Everything a reply needs, in one language, for one question."""

    status: Status
    question: str
    truncated: bool
    lang: str
    entry_id: str | None
    score: float
    title: str | None
    text: str | None
    citations: tuple[SourceCitation, ...]
    suggestions: tuple[Suggestion, ...]
    """A ``suggest``'s "did you mean"; a ``none``'s related questions (declines by a subject only)."""
    personal: bool
    messages: Mapping[str, str]
    referral: str
    faq_version: str
    not_covered: str | None = None
    """For a ``none``: the subject the sources do not cover, named in the answer's language."""
    not_covered_id: str | None = None
    """That subject's id in ``faq/not-covered.yaml`` (insights count declines by it)."""

    @property
    def disclaimer(self) -> str:
        """The legal-information disclaimer, in the answer's language."""
        return self.messages["disclaimer"]


ENGLISH_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_STATED_DATE = re.compile(rf"({'|'.join(ENGLISH_MONTHS)}) (\d{{1,2}}), (\d{{4}})")


def local_date(stated: str, pack: Language) -> str:
    """A date as the sources state it ("August 20, 2025") in ``pack``'s words; any other text unchanged."""
    found = _STATED_DATE.fullmatch(stated.strip())
    if found is None:
        return stated
    month = pack.months[ENGLISH_MONTHS.index(found[1])]
    return pack.messages["date_format"].format(day=int(found[2]), month=month, year=found[3])


def is_personal(faq: FAQ, question: str) -> bool:
    """Whether the question describes the asker's own case (any language pack's patterns)."""
    return matches(faq.personal_patterns, question)


def _resolve(faq: FAQ, seed: str, section: str, quote: str, pack: Language) -> SourceCitation:
    """A citation with its source's title, checked date (also in ``pack``'s words) and kind."""
    source = faq.seeds[seed]
    local = local_date(source.checked, pack) if source.checked else None
    return SourceCitation(seed, source.title, section, source.checked, quote, source.kind, local)


Resolved = dict[tuple[str, str], tuple[SourceCitation, ...]]
"""Citations already resolved, by ``(entry id, language)``: see :func:`build_answer`."""


def _citations(faq: FAQ, entry: Entry, lang: str, resolved: Resolved | None) -> tuple[SourceCitation, ...]:
    """``entry``'s citations resolved in ``lang``, taken from ``resolved`` or added to it."""
    key = (entry.id, lang)
    found = resolved.get(key) if resolved is not None else None
    if found is None:
        pack = faq.languages[lang]
        found = tuple(_resolve(faq, c.seed, c.section, c.quote, pack) for c in entry.citations)
        if resolved is not None:
            resolved[key] = found
    return found


def build_answer(
    faq: FAQ, match: Match, lang: str = BASE_LANGUAGE, referral: str | None = None, resolved: Resolved | None = None
) -> Answer:
    """Resolve a match into an :class:`Answer` in ``lang``.

    ``referral`` overrides the language pack's referral text (a server's own
    legal-aid or rapid-response line). ``resolved`` keeps each entry's
    citations once resolved in a language (they depend on nothing else), for
    the next answer from the same ``faq``.
    """
    if lang not in faq.languages:
        lang = BASE_LANGUAGE
    pack = faq.languages[lang]
    messages = pack.messages
    best = match.best
    entry = faq.by_id[best.entry_id] if match.status == "answer" and best else None
    citations = _citations(faq, entry, lang, resolved) if entry is not None else ()
    subject = next((s for s in faq.not_covered if s.id == match.not_covered), None)
    suggestions = ()
    if match.status != "answer":
        suggestions = tuple(
            Suggestion(c.entry_id, faq.by_id[c.entry_id].text(lang).question, c.score) for c in match.candidates
        )
    return Answer(
        status=match.status,
        question=match.question,
        truncated=match.truncated,
        lang=lang,
        entry_id=entry.id if entry else None,
        score=best.score if best and match.status != "none" else 0.0,
        title=entry.text(lang).question if entry else None,
        text=entry.text(lang).answer if entry else None,
        citations=citations,
        suggestions=suggestions,
        personal=is_personal(faq, match.question),
        messages=messages,
        referral=(referral or messages["referral"]).strip(),
        faq_version=faq.version,
        not_covered=subject.topic(lang) if subject else None,
        not_covered_id=subject.id if subject else None,
    )


def _checked(answer: Answer, citation: SourceCitation) -> str:
    """Say when the source was checked, or that it does not say, in the answer's language."""
    if citation.checked:
        return answer.messages["checked"].format(date=citation.checked_local or citation.checked)
    return answer.messages["date_not_stated"]


def _not_covered_notice(answer: Answer) -> str | None:
    """The "sources do not cover ..." line, when a not-covered subject explains the decline."""
    return answer.messages["not_covered"].format(topic=answer.not_covered) if answer.not_covered else None


def _truncation_notice(answer: Answer) -> str | None:
    """The "your question was cut" notice, if it was."""
    return answer.messages["truncated"].format(limit=MAX_QUESTION_CHARS) if answer.truncated else None


def to_json(answer: Answer) -> dict[str, Any]:
    """The machine-readable contract of ``faqbot ask --json`` (exactly these keys)."""
    return {
        "status": answer.status,
        "question": answer.question,
        "id": answer.entry_id,
        "score": answer.score,
        "answer": answer.text,
        "citations": [
            {"seed": c.seed, "title": c.title, "section": c.section, "checked": c.checked, "quote": c.quote}
            for c in answer.citations
        ],
        "suggestions": [{"id": s.id, "question": s.question, "score": s.score} for s in answer.suggestions],
        "personal": answer.personal,
        "disclaimer": answer.disclaimer,
        "lang": answer.lang,
        "not_covered": answer.not_covered,
    }


def render_text(answer: Answer) -> str:
    """A plain-text reply for the terminal."""
    m = answer.messages
    lines: list[str] = []
    # The "did you mean" entries of a suggest, or the related ones of a decline.
    offered = [f"  - {s.question}  [{s.id}]" for s in answer.suggestions]
    notice = _truncation_notice(answer)
    if notice:
        lines += [f"({notice})", ""]
    if answer.personal:
        lines += [f"! {m['personal_warning']}", f"  {answer.referral}", ""]
    if answer.status == "answer":
        lines += [f"Q: {answer.title}", "", answer.text or "", "", f"{m['sources']}:"]
        for i, c in enumerate(answer.citations, 1):
            lines.append(f"  [{i}] {c.title} - {c.section} ({_checked(answer, c)})")
            lines.append(f'      {m["quote_label"]}: "{c.quote}"')
    elif answer.status == "suggest":
        lines.append(m["suggest_intro"])
        lines += offered
    else:
        lines.append(m["no_match"])
        uncovered = _not_covered_notice(answer)
        if uncovered:
            lines.append(uncovered)
        if offered:
            lines += [m["related_intro"], *offered]
        if not answer.personal:
            lines.append(answer.referral)
        lines.append(m["topics_hint"])
    lines += ["", f"* {answer.disclaimer}"]
    return "\n".join(lines)


# Discord's documented embed limits.
EMBED_LIMITS = {
    "title": 256,
    "description": 4096,
    "field_name": 256,
    "field_value": 1024,
    "footer": 2048,
    "total": 6000,
}
MAX_FIELDS = 25
COLOURS: dict[Status, int] = {"answer": 0x2E7D32, "suggest": 0xF9A825, "none": 0x546E7A}


def clip(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters, marking the cut with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def embed_length(embed: Mapping[str, Any]) -> int:
    """The characters Discord counts towards an embed's 6,000 total."""
    total = len(embed.get("title", "")) + len(embed.get("description", ""))
    total += len(embed.get("footer", {}).get("text", ""))
    total += sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))
    return total


def render_embed(answer: Answer) -> dict[str, Any]:
    """The reply as a Discord embed ``dict``, always within Discord's limits.

    Only reviewed FAQ text and language-pack messages go into the embed; the
    member's own question is never echoed, so it cannot ping anyone or inject
    formatting.
    """
    m = answer.messages
    top: list[str] = []
    # The "did you mean" entries of a suggest, or the related ones of a decline.
    offered = "\n".join(f"• {s.question}" for s in answer.suggestions)
    notice = _truncation_notice(answer)
    if notice:
        top.append(f"*{notice}*")
    if answer.personal:
        top.append(f"⚠️ **{m['personal_warning']}**\n{answer.referral}")
    fields: list[dict[str, Any]] = []
    if answer.status == "answer":
        title = answer.title or ""
        body = answer.text or ""
        for i, c in enumerate(answer.citations, 1):
            value = f"*{c.section}* ({_checked(answer, c)})\n{m['quote_label']}: “{c.quote}”"
            fields.append(
                {
                    "name": clip(f"{m['sources']} [{i}]: {c.title}", EMBED_LIMITS["field_name"]),
                    "value": clip(value, EMBED_LIMITS["field_value"]),
                    "inline": False,
                }
            )
    elif answer.status == "suggest":
        title = m["suggest_intro"]
        body = offered
    else:
        title = m["no_match"]
        body = m["topics_hint"] if answer.personal else f"{answer.referral}\n\n{m['topics_hint']}"
        if offered:
            body = f"{m['related_intro']}\n{offered}\n\n{body}"
        uncovered = _not_covered_notice(answer)
        if uncovered:
            body = f"{uncovered}\n\n{body}"
    description = "\n\n".join([*top, body]) if top else body
    embed: dict[str, Any] = {
        "title": clip(title, EMBED_LIMITS["title"]),
        "description": clip(description, EMBED_LIMITS["description"]),
        "color": COLOURS[answer.status],
        "fields": fields[:MAX_FIELDS],
        "footer": {"text": clip(answer.disclaimer, EMBED_LIMITS["footer"])},
    }
    return embed
