"""The knowledge engine: one loaded FAQ with its matcher, answering questions.

The command line, the Discord bot, the benchmark and the tests all go through
:class:`Engine`, so they give the same answer to the same question.
"""

from __future__ import annotations

import asyncio
import gc
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bot.answer import Answer, Resolved, build_answer
from bot.faq import BASE_LANGUAGE, FAQ, load_faq
from bot.language import choose_language
from bot.matcher import THRESHOLDS, Candidate, Match, Matcher, Thresholds

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def default_faq_dir() -> Path:
    """``$FAQ_DIR``, else ``./faq`` if present, else the FAQ shipped beside the package."""
    configured = os.environ.get("FAQ_DIR")
    if configured:
        return Path(configured)
    here = Path("faq")
    return here if here.is_dir() else PROJECT_ROOT / "faq"


@dataclass(frozen=True, slots=True)
class Engine:
    """An immutable FAQ plus its matcher. A reload builds a new Engine and swaps it in."""

    faq: FAQ
    matcher: Matcher
    resolved: Resolved = field(default_factory=dict, init=False, repr=False, compare=False)
    """Each entry's citations as resolved for an answer, by entry and language, kept once built (they never change)."""

    @classmethod
    def load(
        cls,
        faq_dir: Path | None = None,
        seeds_dir: Path | None = None,
        thresholds: Thresholds = THRESHOLDS,
        previous: Engine | None = None,
    ) -> Engine:
        """Load, validate and index a FAQ folder (raises :class:`~bot.errors.FAQLoadError`).

        Pass the engine being replaced as ``previous`` on a reload: unchanged
        files and phrasings are then reused instead of parsed again.
        """
        faq = load_faq(faq_dir or default_faq_dir(), seeds_dir, previous.faq if previous else None)
        return cls(faq, Matcher(faq, thresholds, previous.matcher if previous else None))

    @classmethod
    def from_faq(cls, faq: FAQ, thresholds: Thresholds = THRESHOLDS) -> Engine:
        """Index an already loaded FAQ."""
        return cls(faq, Matcher(faq, thresholds))

    def ask(
        self,
        question: str,
        *,
        lang: str | None = None,
        locales: Iterable[str | None] = (),
        referral: str | None = None,
    ) -> Answer:
        """Match ``question`` and build the reply in the chosen language."""
        match = self.matcher.match(question)
        language = choose_language(self.faq, match.question, lang, locales)
        return build_answer(self.faq, match, language, referral, self.resolved)

    def show(self, entry_id: str, *, lang: str | None = None, referral: str | None = None) -> Answer | None:
        """The answer for one entry by id (``/faq show``, "did you mean" buttons); ``None`` if unknown."""
        entry = self.faq.by_id.get(entry_id)
        if entry is None:
            return None
        language = lang if lang in self.faq.languages else BASE_LANGUAGE
        chosen = Match("answer", entry.text(language).question, False, "", (Candidate(entry.id, 100.0, language),))
        return build_answer(self.faq, chosen, language, referral, self.resolved)


THAW_AFTER = 10.0
"""Seconds after a reload until the heap frozen by :func:`load_in_thread` is unfrozen again."""

_thaw: asyncio.TimerHandle | None = None
"""The pending unfreeze, if any: one for the whole process, as the freeze is."""


def _thaw_later() -> None:
    """Unfreeze the heap :data:`THAW_AFTER` seconds from now, replacing any unfreeze already due.

    The freeze is process-wide, so a second reload within the window moves
    the one thaw later rather than adding a second one that would end the new
    freeze early.
    """
    global _thaw
    if _thaw is not None:
        _thaw.cancel()
    _thaw = asyncio.get_running_loop().call_later(THAW_AFTER, gc.unfreeze)


async def load_in_thread(faq_dir: Path | None, seeds_dir: Path | None, previous: Engine) -> Engine:
    """Load a new engine in a worker thread while the event loop goes on answering from ``previous``.

    Automatic garbage collection is paused while the thread builds the new
    FAQ. Its tens of thousands of new objects would otherwise set off full
    collections, each holding the GIL while it walks every object in the
    process (over 100 ms with 10,000 entries, the old FAQ and the new), and
    every answer due meanwhile would wait. Once the engine is built,
    everything alive is frozen (:func:`gc.freeze`), so no collection walks the
    two FAQs while both are alive either. :data:`THAW_AFTER` seconds later,
    when the replies in flight have been sent and the caller has dropped the
    old engine, the heap is unfrozen and collected as usual. The thaw matters:
    an interaction still in flight at the freeze becomes garbage with
    reference cycles (discord.py's objects have them), and frozen garbage is
    never collected, so without it the member and question objects of those
    replies would stay in memory until the bot restarts. An engine itself
    holds no cycles (tested), so an old one is freed by reference counting,
    frozen or not. Raises :class:`~bot.errors.FAQLoadError` like
    :meth:`Engine.load`.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        engine = await asyncio.to_thread(Engine.load, faq_dir, seeds_dir, previous=previous)
    finally:
        if collecting:
            gc.enable()
    gc.freeze()
    _thaw_later()
    return engine
