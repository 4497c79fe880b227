"""Load and validate a FAQ folder: entries, topics, synonyms, language packs, grounding.

The pipeline for every file is ``safe_load`` -> schema check -> typed values,
and every problem becomes a :class:`~bot.errors.FAQError` naming the file, the
line and the entry. All problems are collected, then raised together as one
:class:`~bot.errors.FAQLoadError`, so a moderator fixes a whole edit at once.
A FAQ that loads is immutable; reloading builds a new one.

Folder layout (documented for moderators in ``faq/README.md``)::

    faq/
      *.yaml              entry files: {entries: [...]}
      topics.yaml         {topics: {slug: {en: label, es: label}}}
      synonyms.yaml       {synonyms: {canonical: [variants]}}
      not-covered.yaml    {not_covered: {id: {en: {topic, phrasings}, es: ...}}} (optional)
      languages/<xx>.yaml one language pack per language (messages, stop words...)
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import string
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from bot.errors import FAQError, FAQLoadError
from bot.sources import Seed, load_seeds
from bot.text import simplify
from bot.yamlfile import load_yaml, mapping_line, read_capped

BASE_LANGUAGE = "en"
NOT_COVERED_FILE = "not-covered.yaml"
RESERVED_FILES = frozenset({"topics.yaml", "synonyms.yaml", NOT_COVERED_FILE})

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ID_LENGTH = (3, 60)
QUESTION_MAX = 150
ALTERNATE_MAX = 150
ANSWER_MAX = 600
QUOTE_LENGTH = (10, 300)
MIN_ALTERNATES = 6
MIN_TRANSLATED_ALTERNATES = 4
NOT_COVERED_TOPIC_MAX = 200
MIN_NOT_COVERED_PHRASINGS = 3
MIN_TRANSLATED_NOT_COVERED_PHRASINGS = 2
NOT_COVERED_KEYS = frozenset({"topic", "phrasings"})
MAX_CITATIONS = 5
MAX_ENTRIES = 20_000

ENTRY_KEYS = frozenset(
    {"id", "question", "alternates", "answer", "citations", "topics", "related", "answer_only_with", "translations"}
)
REQUIRED_ENTRY_KEYS = ENTRY_KEYS - {"related", "answer_only_with", "translations"}
CITATION_KEYS = frozenset({"seed", "section", "quote"})
TRANSLATION_KEYS = frozenset({"question", "answer", "alternates"})
LANGUAGE_KEYS = frozenset(
    {
        "name",
        "locales",
        "months",
        "stopwords",
        "defining_words",
        "personal_patterns",
        "instruction_patterns",
        "messages",
    }
)

COMMAND_NAME_LEVELS: tuple[tuple[tuple[str, ...], frozenset[str]], ...] = (
    (("command_ask_name", "command_faq_name"), frozenset()),
    (("option_ask_question_name", "option_ask_public_name", "option_ask_language_name"), frozenset()),
    (
        ("command_faq_topics_name", "command_faq_show_name", "command_faq_reload_name"),
        frozenset({"stats", "gaps", "settings", "purge"}),
    ),
    (("option_show_entry_name",), frozenset()),
)
"""The command and option names a language pack gives, grouped as siblings in Discord's command tree.

Each level holds the message keys whose names Discord needs to be distinct in
one locale (the top-level commands, the options of ``/ask``, the subcommands of
``/faq``...), and the names on that level that no pack translates (the
moderator insights subcommands). ``tests/cogs/test_client.py`` checks this
table against the bot's real command tree.
"""
COMMAND_NAME_KEYS = frozenset(key for keys, _ in COMMAND_NAME_LEVELS for key in keys)
COMMAND_NAME_MAX = 32
EXTRA_NAME_SCRIPTS = (("\u0900", "\u097f"), ("\ua8e0", "\ua8ff"), ("\u0e00", "\u0e7f"))
"""Devanagari and Thai, whose vowel signs Discord allows in names although they are not letters."""

MESSAGE_KEYS = COMMAND_NAME_KEYS.union(
    {
        "disclaimer",
        "referral",
        "personal_warning",
        "no_match",
        "not_covered",
        "related_intro",
        "suggest_intro",
        "truncated",
        "sources",
        "checked",
        "date_not_stated",
        "date_format",
        "quote_label",
        "topics_hint",
        # The Discord layer: command descriptions, components, replies to moderators.
        "command_ask",
        "option_ask_question",
        "option_ask_public",
        "option_ask_language",
        "command_faq",
        "command_faq_topics",
        "command_faq_show",
        "option_show_entry",
        "command_faq_reload",
        "public_not_allowed",
        "personal_kept_private",
        "cooldown",
        "not_moderator",
        "check_failed",
        "error",
        "no_such_entry",
        "topics_title",
        "topics_pick",
        "topic_questions",
        "select_topic_placeholder",
        "select_entry_placeholder",
        "button_previous",
        "button_next",
        "button_all_topics",
        "button_browse_topics",
        "page",
        "reload_done",
        "reload_added",
        "reload_changed",
        "reload_removed",
        "reload_unchanged",
        "reload_failed",
        "reload_more",
    }
)
"""Every language pack must define these messages (the renderers and the command tree use them all)."""


@dataclass(frozen=True, slots=True)
class Citation:
    """Where an answer comes from: a seed, one of its section headings, a verbatim quote."""

    seed: str
    section: str
    quote: str


@dataclass(frozen=True, slots=True)
class Localized:
    """An entry's question, answer and phrasings in one language."""

    question: str
    answer: str
    alternates: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Entry:
    """One reviewed FAQ entry."""

    id: str
    topics: tuple[str, ...]
    related: tuple[str, ...]
    citations: tuple[Citation, ...]
    texts: Mapping[str, Localized]
    path: Path
    line: int
    answer_only_with: tuple[str, ...] = ()
    """Words of which a question must use one for this entry to be answered outright (else "did you mean")."""

    @property
    def question(self) -> str:
        """The canonical question in the base language."""
        return self.texts[BASE_LANGUAGE].question

    def text(self, lang: str) -> Localized:
        """The entry in ``lang``, falling back to the base language."""
        return self.texts.get(lang) or self.texts[BASE_LANGUAGE]


@dataclass(frozen=True, slots=True)
class NotCovered:
    """A subject members ask about that the sources do not answer: the bot declines and names it."""

    id: str
    topics: Mapping[str, str]
    phrasings: Mapping[str, tuple[str, ...]]
    path: Path
    line: int | None

    def topic(self, lang: str) -> str:
        """How the decline names the subject in ``lang``, falling back to the base language."""
        return self.topics.get(lang) or self.topics[BASE_LANGUAGE]


@dataclass(frozen=True, slots=True)
class Language:
    """A language pack: what the bot says around answers, and how to read questions."""

    code: str
    name: str
    locales: tuple[str, ...]
    stopwords: frozenset[str]
    personal_patterns: tuple[re.Pattern[str], ...]
    instruction_patterns: tuple[re.Pattern[str], ...]
    """Text that gives the bot orders ("ignore all previous instructions"): never answered outright."""
    messages: Mapping[str, str]
    months: tuple[str, ...]
    """The twelve month names, January first: a source's checked date is shown in the reply's language."""
    defining_words: tuple[str, ...] = ()
    """Words that say what a question is about ("sue"): a question using one is answered only by an entry that does."""


_OWN_GROUP_REFERENCE = re.compile(r"\\[1-9]|\(\?\(")
"""A numbered backreference or a conditional group: what it means depends on the pattern's own group numbers."""


def combine_patterns(patterns: Sequence[re.Pattern[str]]) -> tuple[re.Pattern[str], ...]:
    """One pattern that matches wherever any of ``patterns`` would, or the patterns unchanged.

    ``any(p.search(text) for p in result)`` gives the same answer as over
    ``patterns``, in one regex search instead of one per pattern. Patterns
    are kept apart when joining them could change what they mean: one refers
    to its own groups by number, carries flags of its own, or they cannot
    be compiled together (a group name used twice).
    """
    if len(patterns) < 2:
        return tuple(patterns)
    if any(p.flags != re.UNICODE or _OWN_GROUP_REFERENCE.search(p.pattern) for p in patterns):
        return tuple(patterns)
    try:
        return (re.compile("|".join(f"(?:{p.pattern})" for p in patterns)),)
    except re.error:
        return tuple(patterns)


def matches(patterns: Sequence[re.Pattern[str]], question: str) -> bool:
    """Whether any of a language pack's ``patterns`` is found in ``question``.

    Packs write their patterns for the question as :func:`~bot.text.simplify`
    leaves it: lower-cased, without accents or punctuation. Used for both the
    personal-situation and the instruction patterns.
    """
    if not patterns:
        return False
    text = simplify(question)
    return any(pattern.search(text) for pattern in patterns)


@dataclass(frozen=True, slots=True)
class FAQ:
    """A whole, validated FAQ. Immutable: a reload builds a new one and swaps it in."""

    folder: Path
    entries: tuple[Entry, ...]
    topics: Mapping[str, Mapping[str, str]]
    synonyms: Mapping[str, tuple[str, ...]]
    languages: Mapping[str, Language]
    seeds: Mapping[str, Seed]
    version: str
    files: Mapping[str, tuple[str, tuple[Entry, ...]]] = field(default_factory=dict)
    context: str = ""
    not_covered: tuple[NotCovered, ...] = ()
    by_id: Mapping[str, Entry] = field(init=False)
    own_stopwords: Mapping[str, frozenset[str]] = field(init=False)
    personal_patterns: tuple[re.Pattern[str], ...] = field(init=False)
    """Every language pack's personal-situation patterns, joined into one where safe (:func:`combine_patterns`)."""
    instruction_patterns: tuple[re.Pattern[str], ...] = field(init=False)
    """Every language pack's patterns for orders to the bot, joined the same way."""

    def __post_init__(self) -> None:
        """Index the entries by id, each language's stop words no other language uses, and the patterns."""
        object.__setattr__(self, "by_id", MappingProxyType({e.id: e for e in self.entries}))
        own = {
            code: pack.stopwords.difference(*(p.stopwords for c, p in self.languages.items() if c != code))
            for code, pack in self.languages.items()
        }
        object.__setattr__(self, "own_stopwords", MappingProxyType(own))
        every = [p for pack in self.languages.values() for p in pack.personal_patterns]
        object.__setattr__(self, "personal_patterns", combine_patterns(every))
        orders = [p for pack in self.languages.values() for p in pack.instruction_patterns]
        object.__setattr__(self, "instruction_patterns", combine_patterns(orders))

    def __repr__(self) -> str:
        """A one-line summary: the whole FAQ would be megabytes at 10,000 entries.

        Python calls ``repr`` where nobody asked for it: asyncio 3.11 builds
        the repr of ``asyncio.run``'s main task, result included, when it
        restores the SIGINT handler, so returning an :class:`~bot.engine.Engine`
        from it took 1.4 s longer at 10,000 entries.
        """
        return (
            f"FAQ(folder={str(self.folder)!r}, version={self.version!r}, entries={len(self.entries)}, "
            f"not_covered={len(self.not_covered)}, languages={sorted(self.languages)!r})"
        )

    def message(self, key: str, lang: str = BASE_LANGUAGE) -> str:
        """A message in ``lang`` (falling back to the base language)."""
        pack = self.languages.get(lang) or self.languages[BASE_LANGUAGE]
        return pack.messages[key]

    def uncovered_sections(self) -> list[tuple[str, str]]:
        """``(seed, heading)`` pairs that should be cited but no entry cites."""
        cited = {(c.seed, c.section) for e in self.entries for c in e.citations}
        return [
            (stem, heading)
            for stem, seed in self.seeds.items()
            for heading, section in seed.sections.items()
            if section.coverage and (stem, heading) not in cited
        ]


class _Problems:
    """Collects :class:`FAQError` instances while a folder is validated."""

    def __init__(self) -> None:
        """Start with no problems."""
        self.errors: list[FAQError] = []

    def add(self, path: Path, line: int | None, entry: str | None, message: str) -> None:
        """Record one problem."""
        self.errors.append(FAQError(path, line, entry, message))


MESSAGE_FIELDS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "not_covered": frozenset({"topic"}),
        "truncated": frozenset({"limit"}),
        "checked": frozenset({"date"}),
        "date_format": frozenset({"day", "month", "year"}),
        "cooldown": frozenset({"seconds"}),
        "reload_done": frozenset({"count"}),
        "reload_failed": frozenset({"count"}),
        "reload_more": frozenset({"count"}),
        "reload_added": frozenset({"count", "ids"}),
        "reload_changed": frozenset({"count", "ids"}),
        "reload_removed": frozenset({"count", "ids"}),
        "page": frozenset({"page", "pages"}),
    }
)
"""The ``{placeholders}`` each message that is filled in may use; a typo would break the reply."""


def _placeholder_problem(key: str, text: str) -> str | None:
    """Why ``text`` cannot be filled in as message ``key``, or ``None`` if it can."""
    allowed = MESSAGE_FIELDS.get(key)
    if allowed is None:
        return None
    try:
        fields = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as exc:
        return f"message {key!r}: {exc} (write {{{{ and }}}} for a literal brace)"
    unknown = sorted(fields - allowed)
    if unknown:
        names = ", ".join(f"{{{name}}}" for name in sorted(allowed))
        return f"message {key!r} uses {{{unknown[0]}}}; it can use only {names}"
    return None


def _text(value: Any, limit: int, what: str) -> str | None:
    """Return an error text if ``value`` is not a non-empty string within ``limit``."""
    if not isinstance(value, str) or not value.strip():
        return f"{what} must be a non-empty text"
    if len(value.strip()) > limit:
        return f"{what} is {len(value.strip())} characters; the limit is {limit}"
    return None


def _text_list(value: Any, limit: int, minimum: int, what: str) -> str | None:
    """Return an error text unless ``value`` is a list of at least ``minimum`` distinct texts."""
    if not isinstance(value, list):
        return f"{what} must be a list"
    for i, item in enumerate(value):
        problem = _text(item, limit, f"{what}[{i}]")
        if problem:
            return problem
    folded = [simplify(v) for v in value]
    if len(set(folded)) != len(folded):
        return f"{what} has duplicate items"
    if len(value) < minimum:
        return f"{what} needs at least {minimum} items (has {len(value)})"
    return None


def _name_problem(name: str) -> str | None:
    r"""Why Discord would refuse ``name`` as a command or option name, or ``None``.

    Discord's rule is ``^[-_\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$``, in lowercase.
    """
    if not 1 <= len(name) <= COMMAND_NAME_MAX:
        return f"{name!r} is {len(name)} characters; a command name has 1 to {COMMAND_NAME_MAX}"
    for char in name:
        allowed = char in "-_" or unicodedata.category(char)[0] in "LN"
        if not (allowed or any(low <= char <= high for low, high in EXTRA_NAME_SCRIPTS)):
            shown = "a space" if char.isspace() else repr(char)
            return f"{name!r} has {shown}; a command name uses only letters, digits, '-' and '_'"
    if name != name.lower():
        return f"{name!r} has capital letters; a command name is lowercase ({name.lower()!r})"
    return None


def _check_command_names(path: Path, root: yaml.Node | None, messages: Mapping[str, Any], problems: _Problems) -> None:
    """Refuse command and option names Discord would reject, or two alike among siblings (see COMMAND_NAME_LEVELS)."""
    for keys, untranslated in COMMAND_NAME_LEVELS:
        taken = {name: f"the untranslated command {name!r}" for name in untranslated}
        for key in keys:
            value = messages.get(key)
            if not isinstance(value, str) or not value.strip():
                continue
            name = value.strip()
            line = mapping_line(root, "messages", key)
            problem = _name_problem(name)
            if problem is None and name in taken:
                problem = f"{name!r} is also the name of {taken[name]}; names beside each other must differ"
            if problem:
                problems.add(path, line, None, f"message {key!r}: {problem}")
                continue
            taken[name] = f"message {key!r}"


def _load_language(path: Path, problems: _Problems) -> tuple[Language, yaml.Node | None] | None:
    """Read one language pack, with its YAML tree (for line numbers); record problems and return ``None`` if unusable.

    Its defining words are checked once every pack is read (see :func:`_check_defining_words`).
    """
    code = path.stem
    try:
        data, root = load_yaml(path, text_only=True)
    except FAQError as exc:
        problems.errors.append(exc)
        return None
    if not isinstance(data, dict):
        problems.add(path, 1, None, "a language pack must be a mapping")
        return None
    before = len(problems.errors)
    for key in sorted(set(data) - LANGUAGE_KEYS):
        problems.add(path, mapping_line(root, key), None, f"unknown key {key!r}")
    messages = data.get("messages")
    if not isinstance(messages, dict):
        problems.add(path, mapping_line(root, "messages"), None, "'messages' must be a mapping")
        messages = {}
    for key in sorted(MESSAGE_KEYS - set(messages)):
        problems.add(path, mapping_line(root, "messages"), None, f"message {key!r} is missing")
    for key, value in messages.items():
        problem = _text(value, 1000, f"message {key!r}") or _placeholder_problem(str(key), str(value))
        if problem:
            problems.add(path, mapping_line(root, "messages", key), None, problem)
    _check_command_names(path, root, messages, problems)
    lists: dict[str, list[str]] = {}
    for key in ("locales", "months", "stopwords", "defining_words", "personal_patterns", "instruction_patterns"):
        # A moderator who writes a plain text here would get one item per character
        # ("my son" as patterns makes every question "personal"): refuse it.
        value = data.get(key) or []
        if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
            problems.add(path, mapping_line(root, key) or 1, None, f"{key!r} must be a list of non-empty texts")
            value = []
        lists[key] = value
    stopwords = frozenset(simplify(w) for w in lists["stopwords"])
    if len(lists["months"]) != 12:
        problem = f"'months' must list the 12 month names, January first (has {len(lists['months'])})"
        problems.add(path, mapping_line(root, "months") or 1, None, problem)
    compiled: dict[str, list[re.Pattern[str]]] = {"personal_patterns": [], "instruction_patterns": []}
    for key, patterns in compiled.items():
        for i, pattern in enumerate(lists[key]):
            try:
                patterns.append(re.compile(str(pattern)))
            except re.error as exc:
                problems.add(path, mapping_line(root, key, i), None, f"bad pattern: {exc}")
    for key in ("name",):
        problem = _text(data.get(key), 100, key)
        if problem:
            problems.add(path, mapping_line(root, key) or 1, None, problem)
    if len(problems.errors) != before:
        return None
    pack = Language(
        code=code,
        name=data["name"],
        locales=tuple(lists["locales"]),
        stopwords=stopwords,
        personal_patterns=tuple(compiled["personal_patterns"]),
        instruction_patterns=tuple(compiled["instruction_patterns"]),
        messages=MappingProxyType({k: str(v).strip() for k, v in messages.items()}),
        months=tuple(m.strip() for m in lists["months"]),
        defining_words=tuple(lists["defining_words"]),
    )
    return pack, root


def _check_defining_words(packs: Sequence[tuple[Path, Language, yaml.Node | None]], problems: _Problems) -> None:
    """Refuse a defining word made only of stop words, with its pack's file and line.

    The matcher drops every pack's stop words from every question, so a
    Spanish defining word that is only English stop words would be kept by
    no question either: the check uses all the packs' stop words together.
    """
    stopwords = frozenset().union(*(pack.stopwords for _, pack, _ in packs))
    for path, pack, root in packs:
        for i, word in enumerate(pack.defining_words):
            if set(simplify(word).split()) <= stopwords:
                problem = f"'defining_words' item {word!r} is only stop words, so no question keeps it"
                problems.add(path, mapping_line(root, "defining_words", i), None, problem)


def _load_mapping_file(path: Path, key: str, problems: _Problems) -> tuple[dict[str, Any], yaml.Node | None]:
    """Read a reserved file whose top level is ``{key: {...}}``."""
    try:
        data, root = load_yaml(path, text_only=True)
    except FAQError as exc:
        problems.errors.append(exc)
        return {}, None
    if not isinstance(data, dict) or set(data) != {key} or not isinstance(data[key], dict):
        problems.add(path, 1, None, f"expected a mapping with exactly one key, {key!r}, holding a mapping")
        return {}, root
    return data[key], root


def _load_synonyms(path: Path, problems: _Problems) -> dict[str, tuple[str, ...]]:
    """Read ``synonyms.yaml``: each canonical word with the variants that mean it."""
    if not path.exists():
        return {}
    raw, root = _load_mapping_file(path, "synonyms", problems)
    synonyms: dict[str, tuple[str, ...]] = {}
    owner: dict[str, str] = {}
    for canonical, variants in raw.items():
        line = mapping_line(root, "synonyms", canonical)
        problem = _text(canonical, 60, "a canonical word") or _text_list(variants, 60, 1, str(canonical))
        if problem:
            problems.add(path, line, str(canonical), problem)
            continue
        for variant in variants:
            key = simplify(variant)
            if key in owner and owner[key] != canonical:
                problems.add(path, line, canonical, f"{variant!r} is already a synonym of {owner[key]!r}")
            owner[key] = canonical
        synonyms[canonical] = tuple(variants)
    for canonical in synonyms:
        if simplify(canonical) in owner and owner[simplify(canonical)] != canonical:
            problems.add(
                path,
                mapping_line(root, "synonyms", canonical),
                canonical,
                f"{canonical!r} is itself a variant of {owner[simplify(canonical)]!r}; pick one canonical word",
            )
    return synonyms


def _load_topics(path: Path, languages: Mapping[str, Language], problems: _Problems) -> dict[str, dict[str, str]]:
    """Read ``topics.yaml``: each topic slug with a label per language."""
    raw, root = _load_mapping_file(path, "topics", problems)
    topics: dict[str, dict[str, str]] = {}
    for slug, labels in raw.items():
        line = mapping_line(root, "topics", slug)
        if not isinstance(slug, str) or not ID_PATTERN.match(slug):
            problems.add(path, line, str(slug), "a topic slug uses lowercase letters, digits and hyphens")
            continue
        if not isinstance(labels, dict):
            problems.add(path, line, slug, "a topic needs a label per language, e.g. {en: ..., es: ...}")
            continue
        for lang in languages:
            problem = _text(labels.get(lang), 80, f"label for {lang!r}")
            if problem:
                problems.add(path, line, slug, problem)
        topics[slug] = {str(k): str(v) for k, v in labels.items()}
    return topics


def _load_not_covered(
    path: Path, languages: Mapping[str, Language], pack_codes: frozenset[str], problems: _Problems
) -> tuple[NotCovered, ...]:
    """Read ``not-covered.yaml`` (optional): subjects the sources do not answer, each named per language."""
    if not path.exists():
        return ()
    raw, root = _load_mapping_file(path, "not_covered", problems)
    subjects: list[NotCovered] = []
    for slug, blocks in raw.items():
        line = mapping_line(root, "not_covered", slug)
        if not isinstance(slug, str) or not ID_PATTERN.match(slug) or not ID_LENGTH[0] <= len(slug) <= ID_LENGTH[1]:
            problems.add(path, line, str(slug), "an id uses lowercase letters, digits and hyphens (3-60 characters)")
            continue
        if not isinstance(blocks, dict):
            problems.add(path, line, slug, "expected a block per language: {en: {topic: ..., phrasings: [...]}}")
            continue
        before = len(problems.errors)
        topics: dict[str, str] = {}
        phrasings: dict[str, tuple[str, ...]] = {}
        for lang in sorted(set(blocks) | set(languages)):
            where = mapping_line(root, "not_covered", slug, lang) or line
            block = blocks.get(lang)
            if lang not in pack_codes:
                problems.add(path, where, slug, f"{lang!r} has no language pack (faq/languages/{lang}.yaml)")
                continue
            if lang not in languages:
                continue  # a refused pack is reported in its own file
            if not isinstance(block, dict):
                problems.add(path, where, slug, f"missing the {languages[lang].name} ({lang}) topic and phrasings")
                continue
            for key in sorted(set(block) - NOT_COVERED_KEYS, key=str):
                problems.add(path, where, slug, f"{lang}: unknown key {key!r}")
            minimum = MIN_NOT_COVERED_PHRASINGS if lang == BASE_LANGUAGE else MIN_TRANSLATED_NOT_COVERED_PHRASINGS
            errors = [
                _text(block.get("topic"), NOT_COVERED_TOPIC_MAX, f"{lang}.topic"),
                _text_list(block.get("phrasings"), ALTERNATE_MAX, minimum, f"{lang}.phrasings"),
            ]
            for message in filter(None, errors):
                problems.add(path, where, slug, message)
            if not any(errors):
                topics[lang] = block["topic"].strip()
                phrasings[lang] = tuple(p.strip() for p in block["phrasings"])
        if len(problems.errors) == before:
            subjects.append(NotCovered(slug, MappingProxyType(topics), MappingProxyType(phrasings), path, line))
    return tuple(subjects)


class _EntryReader:
    """Validates the entries of one file, recording problems with their lines."""

    def __init__(
        self,
        path: Path,
        root: yaml.Node | None,
        seeds: Mapping[str, Seed],
        topics: Mapping[str, Any],
        languages: Mapping[str, Language],
        problems: _Problems,
        pack_codes: frozenset[str],
    ) -> None:
        """Remember what entries are checked against (``pack_codes``: every pack file, loaded or refused)."""
        self.path, self.root, self.seeds, self.topics = path, root, seeds, topics
        self.languages, self.problems, self.pack_codes = languages, problems, pack_codes

    def line(self, index: int, *keys: str | int) -> int | None:
        """The line of ``entries[index].keys...`` (or of the entry itself)."""
        return mapping_line(self.root, "entries", index, *keys) or mapping_line(self.root, "entries", index)

    def read(self, index: int, raw: Any) -> Entry | None:
        """Validate one raw entry; return it, or ``None`` after recording its problems."""
        if not isinstance(raw, dict):
            self.problems.add(self.path, self.line(index), None, f"entry #{index + 1} must be a mapping")
            return None
        entry_id = raw.get("id") if isinstance(raw.get("id"), str) else None
        before = len(self.problems.errors)

        def problem(message: str, *keys: str | int) -> None:
            self.problems.add(self.path, self.line(index, *keys), entry_id, message)

        for key in sorted(set(raw) - ENTRY_KEYS, key=str):
            problem(f"unknown key {key!r} (allowed: {', '.join(sorted(ENTRY_KEYS))})", key)
        for key in sorted(REQUIRED_ENTRY_KEYS - set(raw)):
            problem(f"missing {key!r}")
        if entry_id is None or not ID_PATTERN.match(entry_id) or not ID_LENGTH[0] <= len(entry_id) <= ID_LENGTH[1]:
            problem("'id' must be a slug: lowercase letters, digits and single hyphens, 3 to 60 characters", "id")
        checks: list[tuple[str, Callable[[Any], str | None]]] = [
            ("question", lambda v: _text(v, QUESTION_MAX, "'question'")),
            ("answer", lambda v: _text(v, ANSWER_MAX, "'answer'")),
            ("alternates", lambda v: _text_list(v, ALTERNATE_MAX, MIN_ALTERNATES, "'alternates'")),
            ("topics", lambda v: _text_list(v, 60, 1, "'topics'")),
            ("answer_only_with", lambda v: _text_list(v, 40, 1, "'answer_only_with'")),
        ]
        for key, check in checks:
            if key in raw:
                message = check(raw[key])
                if message:
                    problem(message, key)
        for topic in raw.get("topics") or []:
            if isinstance(topic, str) and topic not in self.topics:
                problem(f"unknown topic {topic!r} (add it to topics.yaml first)", "topics")
        stopwords = frozenset().union(*(pack.stopwords for pack in self.languages.values()))
        for i, word in enumerate(raw.get("answer_only_with") or []):
            if isinstance(word, str) and word.strip() and set(simplify(word).split()) <= stopwords:
                problem(
                    f"'answer_only_with' item {word!r} is only stop words, so no question keeps it",
                    "answer_only_with",
                    i,
                )
        related = raw.get("related", [])
        if not isinstance(related, list) or not all(isinstance(r, str) for r in related):
            problem("'related' must be a list of entry ids", "related")
            related = []
        citations = self.citations(index, raw.get("citations"), problem)
        texts = self.translations(index, raw, problem)
        if len(self.problems.errors) != before or entry_id is None:
            return None
        return Entry(
            id=entry_id,
            topics=tuple(raw["topics"]),
            related=tuple(related),
            answer_only_with=tuple(raw.get("answer_only_with") or ()),
            citations=citations,
            texts=MappingProxyType(texts),
            path=self.path,
            line=self.line(index) or 1,
        )

    def citations(self, index: int, raw: Any, problem: Callable[..., None]) -> tuple[Citation, ...]:
        """Validate the citations, including the grounding of every quote."""
        if not isinstance(raw, list) or not raw:
            if raw is not None:
                problem("'citations' must be a non-empty list", "citations")
            return ()
        if len(raw) > MAX_CITATIONS:
            problem(f"at most {MAX_CITATIONS} citations per entry", "citations")
        found: list[Citation] = []
        for i, item in enumerate(raw):
            where = ("citations", i)
            if not isinstance(item, dict):
                problem(f"citation #{i + 1} must be a mapping with seed, section and quote", *where)
                continue
            for key in sorted(set(item) - CITATION_KEYS, key=str):
                problem(f"citation #{i + 1}: unknown key {key!r}", *where, key)
            for key in sorted(CITATION_KEYS - set(item)):
                problem(f"citation #{i + 1}: missing {key!r}", *where)
            seed_stem, section, quote = item.get("seed"), item.get("section"), item.get("quote")
            seed = self.seeds.get(seed_stem) if isinstance(seed_stem, str) else None
            if seed is None:
                problem(f"citation #{i + 1}: unknown seed {seed_stem!r} (see seeds/sources.yaml)", *where, "seed")
                continue
            if not isinstance(section, str) or section not in seed.sections:
                problem(
                    f"citation #{i + 1}: {section!r} is not a heading of {seed_stem} (see seeds/sources.yaml)",
                    *where,
                    "section",
                )
                continue
            message = _text(quote, QUOTE_LENGTH[1], f"citation #{i + 1} quote")
            if message is None and len(quote.strip()) < QUOTE_LENGTH[0]:
                message = (
                    f"citation #{i + 1} quote is too short to prove anything (at least {QUOTE_LENGTH[0]} characters)"
                )
            if message:
                problem(message, *where, "quote")
                continue
            if not seed.contains(section, quote):
                problem(
                    f"citation #{i + 1}: quote not found in {seed_stem}, section {section!r}: {quote.strip()[:80]!r}",
                    *where,
                    "quote",
                )
                continue
            found.append(Citation(seed_stem, section, quote.strip()))
        return tuple(found)

    def translations(self, index: int, raw: dict[str, Any], problem: Callable[..., None]) -> dict[str, Localized]:
        """Build the per-language texts; every language pack is required for every entry."""
        texts: dict[str, Localized] = {}
        if (
            isinstance(raw.get("question"), str)
            and isinstance(raw.get("answer"), str)
            and isinstance(raw.get("alternates"), list)
        ):
            texts[BASE_LANGUAGE] = Localized(
                raw["question"].strip(), raw["answer"].strip(), tuple(str(a).strip() for a in raw["alternates"])
            )
        translations = raw.get("translations", {})
        if not isinstance(translations, dict):
            problem(
                "'translations' must be a mapping of language code to {question, answer, alternates}", "translations"
            )
            return texts
        for lang in sorted(set(translations) - self.pack_codes, key=str):
            problem(f"translation {lang!r} has no language pack (faq/languages/{lang}.yaml)", "translations", lang)
        for lang in sorted(self.languages):
            if lang == BASE_LANGUAGE:
                continue
            block = translations.get(lang)
            where = ("translations", lang)
            if not isinstance(block, dict):
                problem(f"missing the {self.languages[lang].name} ({lang}) translation", "translations")
                continue
            for key in sorted(set(block) - TRANSLATION_KEYS, key=str):
                problem(f"translation {lang!r}: unknown key {key!r}", *where, key)
            errors = [
                _text(block.get("question"), QUESTION_MAX, f"{lang}.question"),
                _text(block.get("answer"), ANSWER_MAX, f"{lang}.answer"),
                _text_list(block.get("alternates"), ALTERNATE_MAX, MIN_TRANSLATED_ALTERNATES, f"{lang}.alternates"),
            ]
            for message in filter(None, errors):
                problem(message, *where)
            if not any(errors):
                texts[lang] = Localized(
                    block["question"].strip(), block["answer"].strip(), tuple(a.strip() for a in block["alternates"])
                )
        return texts


def _entry_files(folder: Path) -> list[Path]:
    """The entry files of a FAQ folder, in a stable order."""
    return sorted(p for p in folder.glob("*.yaml") if p.name not in RESERVED_FILES)


def default_seeds_dir(faq_dir: Path) -> Path:
    """Seeds live beside the FAQ folder unless configured otherwise."""
    return faq_dir.resolve().parent / "seeds"


def _context_digest(faq_dir: Path, seeds_dir: Path) -> str:
    """A digest of every input besides the entry files: seeds, topics, synonyms, not-covered subjects, language packs.

    Entries validated against the same inputs are valid again; it also goes
    into the FAQ's version, with the entry files.
    """
    digest = hashlib.sha256()
    paths = [seeds_dir / "sources.yaml", *sorted(seeds_dir.glob("*.txt"))]
    paths += [faq_dir / "topics.yaml", faq_dir / "synonyms.yaml", faq_dir / NOT_COVERED_FILE]
    paths += sorted((faq_dir / "languages").glob("*.yaml"))
    for path in paths:
        digest.update(str(path).encode() + b"\0")
        with contextlib.suppress(OSError):
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _read_entry_file(
    path: Path,
    raw: bytes,
    seeds: Mapping[str, Seed],
    topics: Mapping[str, Any],
    languages: Mapping[str, Language],
    problems: _Problems,
    pack_codes: frozenset[str],
) -> tuple[Entry, ...]:
    """Parse and validate one entry file; return its valid entries (problems are recorded)."""
    try:
        data, root = load_yaml(path, text_only=True, raw=raw)
    except FAQError as exc:
        problems.errors.append(exc)
        return ()
    if data is None:
        problems.add(path, None, None, "file is empty (expected 'entries:' with a list of entries)")
        return ()
    if not isinstance(data, dict) or set(data) != {"entries"} or not isinstance(data["entries"], list):
        problems.add(path, 1, None, "expected one top-level key, 'entries', holding a list of entries")
        return ()
    reader = _EntryReader(path, root, seeds, topics, languages, problems, pack_codes)
    return tuple(e for e in (reader.read(i, raw_entry) for i, raw_entry in enumerate(data["entries"])) if e)


def load_faq(faq_dir: Path, seeds_dir: Path | None = None, previous: FAQ | None = None) -> FAQ:
    """Load and validate a whole FAQ folder, or raise :class:`FAQLoadError` listing every problem.

    With ``previous`` (the FAQ being replaced), an entry file whose bytes are
    unchanged, in a folder whose seeds, topics and language packs are also
    unchanged, is not parsed again: its entries were validated against exactly
    the same inputs. Cross-file checks (duplicate ids, ``related``) always run.
    """
    faq_dir = Path(faq_dir)
    seeds_dir = Path(seeds_dir) if seeds_dir else default_seeds_dir(faq_dir)
    problems = _Problems()
    if not faq_dir.is_dir():
        raise FAQLoadError([FAQError(faq_dir, None, None, "FAQ folder not found")])
    try:
        seeds = load_seeds(seeds_dir)
    except FAQError as exc:
        problems.errors.append(exc)
        seeds = {}

    languages: dict[str, Language] = {}
    read: list[tuple[Path, Language, yaml.Node | None]] = []
    pack_paths = sorted((faq_dir / "languages").glob("*.yaml"))
    for path in pack_paths:
        loaded = _load_language(path, problems)
        if loaded is not None:
            pack, root = loaded
            languages[pack.code] = pack
            read.append((path, pack, root))
    _check_defining_words(read, problems)
    # A refused pack is reported once, in its own file, not again in every entry translated into it.
    pack_codes = frozenset(path.stem for path in pack_paths)
    if BASE_LANGUAGE not in languages and not problems.errors:
        problems.add(faq_dir / "languages", None, None, f"the base language pack {BASE_LANGUAGE}.yaml is missing")

    topics = _load_topics(faq_dir / "topics.yaml", languages, problems)
    synonyms = _load_synonyms(faq_dir / "synonyms.yaml", problems)
    not_covered = _load_not_covered(faq_dir / NOT_COVERED_FILE, languages, pack_codes, problems)
    context = _context_digest(faq_dir, seeds_dir)
    reusable = previous.files if previous and previous.context == context and not problems.errors else {}

    digest = hashlib.sha256()
    files: dict[str, tuple[str, tuple[Entry, ...]]] = {}
    paths = _entry_files(faq_dir)
    if not paths:
        problems.add(faq_dir, None, None, "no entry files (*.yaml) found")
    for path in paths:
        try:
            raw = read_capped(path)
        except FAQError as exc:
            problems.errors.append(exc)
            continue
        file_digest = hashlib.sha256(raw).hexdigest()
        digest.update(path.name.encode() + b"\0" + raw)
        known = reusable.get(path.name)
        if known and known[0] == file_digest:
            file_entries = known[1]
        else:
            file_entries = _read_entry_file(path, raw, seeds, topics, languages, problems, pack_codes)
        files[path.name] = (file_digest, file_entries)

    entries: list[Entry] = []
    seen: dict[str, Entry] = {}
    for file_entries in (f[1] for f in files.values()):
        for entry in file_entries:
            if entry.id in seen:
                first = seen[entry.id]
                problems.add(
                    entry.path, entry.line, entry.id, f"duplicate id (first defined at {first.path.name}:{first.line})"
                )
                continue
            seen[entry.id] = entry
            entries.append(entry)
    if len(entries) > MAX_ENTRIES:
        problems.add(faq_dir, None, None, f"{len(entries)} entries; the limit is {MAX_ENTRIES}")
    for entry in entries:
        for rel in entry.related:
            if rel not in seen:
                problems.add(entry.path, entry.line, entry.id, f"'related' names unknown entry {rel!r}")
            elif rel == entry.id:
                problems.add(entry.path, entry.line, entry.id, "'related' names the entry itself")
    for subject in not_covered:
        if subject.id in seen:
            first = seen[subject.id]
            problems.add(
                subject.path, subject.line, subject.id, f"id is also an entry's id ({first.path.name}:{first.line})"
            )
    if problems.errors:
        raise FAQLoadError(problems.errors)
    digest.update(context.encode())
    return FAQ(
        folder=faq_dir,
        entries=tuple(entries),
        topics=MappingProxyType(topics),
        synonyms=MappingProxyType(synonyms),
        languages=MappingProxyType(languages),
        seeds=MappingProxyType(seeds),
        version=digest.hexdigest()[:12],
        files=MappingProxyType(files),
        context=context,
        not_covered=not_covered,
    )
