"""Scrub a member's question before a server that opted in may store it.

Only questions the FAQ could not answer are ever stored, only for servers
whose moderators turned ``record_unanswered`` on, and only after
:func:`scrub` has replaced everything that could point at a person: Discord
mentions and custom emoji (they carry ids), URLs, e-mail addresses, phone
numbers, A-numbers, any run of six or more digits (Discord snowflakes, case
and receipt numbers), ``@handles`` and the words after "my name is" /
"me llamo" / "mi nombre es". Each is replaced by a neutral placeholder such
as ``[phone]`` so that the gap report can still group the questions.

The rules err on the side of removing too much: a date written ``2024-01-15``
becomes ``[phone]``, a bare domain becomes ``[link]``. A moderator needs the
gist of a question, not its details.
"""

from __future__ import annotations

import re
import unicodedata

MAX_SCRUBBED_CHARS = 200
"""Longest text kept after scrubbing; longer text is cut and marked with an ellipsis."""

# Zero-width and other format characters (category Cf) could hide a digit run
# ("1\u200b2345678") from the rules below, so they are removed first.
_INVISIBLE = re.compile(r"[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

_NAME_STOP = frozenset(
    {"and", "but", "so", "i", "im", "i'm", "my", "from", "in", "at", "with", "of", "to", "because"}
    | {"y", "pero", "en", "con", "porque", "soy", "vivo", "tengo", "estoy"}
)
"""Words that end a name after "my name is" (the name is at most four words before them)."""

# Order matters: each rule sees the output of the previous ones, and the
# specific rules (mentions, e-mail, A-number) run before the generic digit rules.
_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    # <@123>, <@!123>, <@&123>, <#123>, <:emoji:123>, <a:emoji:123>, </command:123>, <t:1700000000:R>
    (re.compile(r"<(?:@[!&]?|#|a?:\w*:|/[^>\s]{1,64}:|t:)\d+(?::\w)?>"), "[mention]"),
    (re.compile(r"@(?:everyone|here)\b", re.IGNORECASE), "[mention]"),
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[email]"),
    (re.compile(r"@[\w.-]+"), "[mention]"),
    (re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE), "[link]"),
    (re.compile(r"\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}(?:/\S*)?", re.IGNORECASE), "[link]"),
    # A-number: "A" or "A-" (or "A#", "A ") then 8-9 digits, possibly grouped "A123-456-789".
    (re.compile(r"\bA\s*[-#:]?\s*(?:\d[\s-]?){7,8}\d\b", re.IGNORECASE), "[a-number]"),
    # Phone numbers: seven or more digits with the usual separators, optional + and brackets.
    (re.compile(r"\+?\(?\d(?:[\s().-]*\d){6,}\)?"), "[phone]"),
    # Whatever is left: any run of six or more digits.
    (re.compile(r"\d{6,}"), "[number]"),
)

_NAME_INTRO = re.compile(
    r"\b(my name is|my name's|i am called|i'm called|me llamo|mi nombre es)((?:\s+[^\W\d_][\w'’.-]*){1,4})",
    re.IGNORECASE,
)
_SPACE = re.compile(r"\s+")


def _drop_name(match: re.Match[str]) -> str:
    """Replace the (at most four) words after a name introduction, stopping at a connecting word."""
    words = match.group(2).split()
    kept: list[str] = []
    for index, word in enumerate(words):
        if word.casefold().strip(".,'’") in _NAME_STOP:
            kept = words[index:]
            break
    if len(kept) == len(words):
        return match.group(0)
    return " ".join([match.group(1), "[name]", *kept])


def scrub(text: str, limit: int = MAX_SCRUBBED_CHARS) -> str:
    """Return ``text`` with everything that could identify a person replaced, white space collapsed, capped."""
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text)
    text = _CONTROL.sub(" ", text)
    for pattern, placeholder in _RULES:
        text = pattern.sub(placeholder, text)
    text = _NAME_INTRO.sub(_drop_name, text)
    text = _SPACE.sub(" ", text).strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text
