"""Choosing the reply language: explicit choice, the question itself, the client, the server, English.

Language packs (``faq/languages/<code>.yaml``) carry everything language
specific, so adding a language is an addition to content, not to code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.faq import BASE_LANGUAGE, FAQ
from bot.text import simplify

ACRONYM = re.compile(r"\b[A-Z]{2,3}\b")
"""A word of two or three capitals: "LA" (Los Angeles), "PD", "DC". Not a stop word, unless the member shouts."""


def detect_language(faq: FAQ, question: str) -> str | None:
    """Guess the question's language from stop words only that language uses; ``None`` if unclear.

    Short words in capitals are left out, unless the whole question is in
    capitals: "rapid response hotline LA" names Los Angeles, not the Spanish
    "la", while "LA MIGRA ESTA AQUI" is Spanish.
    """
    if not question.isupper():
        question = ACRONYM.sub(" ", question)
    words = simplify(question).split()
    counts = {code: sum(1 for w in words if w in own) for code, own in faq.own_stopwords.items()}
    ranked = sorted(counts.items(), key=lambda item: -item[1])
    if not ranked or ranked[0][1] == 0 or (len(ranked) > 1 and ranked[0][1] == ranked[1][1]):
        return None
    return ranked[0][0]


def language_for_locale(faq: FAQ, locale: str | None) -> str | None:
    """The language pack for a Discord locale such as ``es-419`` (matching by prefix)."""
    if not locale:
        return None
    for code, pack in faq.languages.items():
        if locale in pack.locales or locale.split("-")[0].lower() == code:
            return code
    return None


def choose_language(faq: FAQ, question: str, explicit: str | None = None, locales: Iterable[str | None] = ()) -> str:
    """Pick the reply language in priority order.

    1. ``explicit`` (an option the member chose), if a pack exists for it;
    2. the language of the question itself;
    3. each of ``locales`` in order (the member's client, then the server);
    4. the base language.
    """
    if explicit in faq.languages:
        return explicit
    detected = detect_language(faq, question)
    if detected:
        return detected
    for locale in locales:
        found = language_for_locale(faq, locale)
        if found:
            return found
    return BASE_LANGUAGE
