"""Bad input from moderators: every broken edit is refused by ``/faq reload`` and the live FAQ stays.

tests/test_faq.py already proves the loader rejects these files. Here each
mistake is made to the folder of a RUNNING bot and ``/faq reload`` is run by a
moderator: the reply must name the file, the line and the entry (where the
mistake has them), and the live FAQ must be untouched: the very same
``Engine`` object, the same version, still answering. The unsafe YAML tags
would create a marker file if anything executed them; it must not exist.
The last tests run the same through the real client and FakeDiscord.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord
import pytest
import yaml

from bot.client import FAQBot
from bot.cogs.ask import AskCog
from bot.cogs.faq import FAQCog
from bot.engine import Engine
from tests.cogs.conftest import FakeInteraction, invoke, make_bot
from tests.conftest import DETAINER_QUOTE, FAQBuilder, ask, entry, ftca_entry
from tests.fakediscord import FakeDiscord
from tests.hardening.conftest import EPHEMERAL, GUILD, MANAGE_GUILD, faq_command, record

pytestmark = pytest.mark.fakediscord(guilds=[GUILD])

MODERATOR = discord.Permissions(manage_guild=True)
DETAINER = "detainer-is-request"


def dump(entries: list[dict[str, Any]]) -> str:
    """An entry file as ``make_faq`` writes it (keys sorted)."""
    return yaml.safe_dump({"entries": entries}, allow_unicode=True)


def line_of(text: str, pattern: str) -> int:
    """The 1-based line of the first match of ``pattern`` (a regex, multiline) in ``text``."""
    found = re.search(pattern, text, re.MULTILINE)
    assert found, pattern
    return text.count("\n", 0, found.start()) + 1


@dataclass
class Mistake:
    """One moderator mistake: how to make it in a FAQ folder, and what the reply must say about it."""

    name: str
    make: Callable[[Path, Path], str | None]
    """Breaks ``folder`` (``marker`` is the file unsafe YAML would create); returns the expected location text."""
    message: str
    """A fragment of the loader's explanation."""


def value_line(text: str, index: int, key: str) -> int:
    """The 1-based line where the value of ``entries[index][key]`` starts (PyYAML's own node marks)."""
    root = yaml.compose(text)
    (entries,) = [v for k, v in root.value if k.value == "entries"]
    (value,) = [v for k, v in entries.value[index].value if k.value == key]
    return value.start_mark.line + 1


def _entry_file(change: dict[str, Any], key: str) -> Callable[[Path, Path], str]:
    """Rewrite main.yaml with the first entry changed; the problem is reported where ``key``'s value starts."""

    def make(folder: Path, marker: Path) -> str:
        text = dump([entry(**change), ftca_entry()])
        (folder / "main.yaml").write_text(text, encoding="utf-8")
        return f"faq/main.yaml:{value_line(text, 0, key)} [{DETAINER}] "

    return make


def _malformed(folder: Path, marker: Path) -> str:
    (folder / "main.yaml").write_text("entries:\n  - id: x\n    question: [unclosed\n    answer: y\n", encoding="utf-8")
    return "faq/main.yaml:"


def _unknown_key(folder: Path, marker: Path) -> str:
    text = dump([{**entry(), "colour": "red"}, ftca_entry()])
    (folder / "main.yaml").write_text(text, encoding="utf-8")
    return f"faq/main.yaml:{value_line(text, 0, 'colour')} [{DETAINER}] "


def _duplicate_id(folder: Path, marker: Path) -> str:
    (folder / "second.yaml").write_text(dump([entry()]), encoding="utf-8")
    return f"faq/second.yaml:2 [{DETAINER}] "


def _ungrounded_quote(folder: Path, marker: Path) -> str:
    planted = "Local police must always honor every ICE detainer"
    citation = {"seed": "004_eff2dd5aa25bedd4", "section": "1. Summary of the results", "quote": planted}
    text = dump([entry(citations=[citation]), ftca_entry()])
    (folder / "main.yaml").write_text(text, encoding="utf-8")
    return f"faq/main.yaml:{line_of(text, 'quote: ' + planted)} [{DETAINER}] "


def _empty(folder: Path, marker: Path) -> str:
    (folder / "empty.yaml").write_text("", encoding="utf-8")
    return "faq/empty.yaml "


def _missing_folder(folder: Path, marker: Path) -> str:
    folder.rename(folder.with_name("faq-moved-away"))
    return "faq "


def _not_utf8(folder: Path, marker: Path) -> str:
    (folder / "latin1.yaml").write_bytes("entries:\n  - id: caf\xe9\n".encode("latin-1"))
    return "faq/latin1.yaml:2 "


def _fifty_megabytes(folder: Path, marker: Path) -> str:
    with (folder / "huge.yaml").open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse: costs no disk, and would take ages to parse
    return "faq/huge.yaml "


def _alias_bomb(folder: Path, marker: Path) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    (folder / "bomb.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return "faq/bomb.yaml:2 "


def _pack_key_as_text(key: str, value: str) -> Callable[[Path, Path], str]:
    """Replace a list in the English pack by a plain text (one item per character, if it were accepted)."""

    def make(folder: Path, marker: Path) -> str:
        path = folder / "languages" / "en.yaml"
        text = re.sub(rf"(?ms)^{key}:.*?(?=^\w|\Z)", f"{key}: {value}\n", path.read_text(encoding="utf-8"))
        path.write_text(text, encoding="utf-8")
        return f"faq/languages/en.yaml:{line_of(text, f'^{key}: ')} "

    return make


def _unsafe_tag(relative: str, template: str) -> Callable[[Path, Path], str]:
    """Write ``template`` (with ``{marker}``) to ``relative``: the tag would create the marker if executed."""

    def make(folder: Path, marker: Path) -> str:
        text = template.format(marker=marker)
        (folder / relative).write_text(text, encoding="utf-8")
        return f"faq/{relative}:{line_of(text, '!!python')} "

    return make


MISTAKES = [
    Mistake("malformed YAML", _malformed, "YAML error"),
    Mistake("answer is a list", _entry_file({"answer": ["yes", "no"]}, "answer"), "'answer' must be a non-empty text"),
    Mistake(
        "alternates is a string", _entry_file({"alternates": "ice hold"}, "alternates"), "'alternates' must be a list"
    ),
    Mistake(
        "citations is a mapping",
        _entry_file({"citations": {"seed": "004_eff2dd5aa25bedd4", "quote": DETAINER_QUOTE}}, "citations"),
        "'citations' must be a non-empty list",
    ),
    Mistake(
        "question is a list", _entry_file({"question": ["a", "b"]}, "question"), "'question' must be a non-empty text"
    ),
    Mistake("unknown key", _unknown_key, "unknown key 'colour'"),
    Mistake(
        "personal_patterns is a text",
        _pack_key_as_text("personal_patterns", "my brother was detained"),
        "'personal_patterns' must be a list of non-empty texts",
    ),
    Mistake(
        "instruction_patterns is a text",
        _pack_key_as_text("instruction_patterns", "ignore all previous instructions"),
        "'instruction_patterns' must be a list of non-empty texts",
    ),
    Mistake(
        "locales is a text",
        _pack_key_as_text("locales", "en-US"),
        "'locales' must be a list of non-empty texts",
    ),
    Mistake("duplicate id", _duplicate_id, "duplicate id (first defined at main.yaml:2)"),
    Mistake("quote not in its seed", _ungrounded_quote, "quote not found in 004_eff2dd5aa25bedd4"),
    Mistake("empty file", _empty, "file is empty"),
    Mistake("missing folder", _missing_folder, "FAQ folder not found"),
    Mistake("non-UTF-8 file", _not_utf8, "not valid UTF-8"),
    Mistake("50 MB file", _fifty_megabytes, "file is 52,428,800 bytes; the limit is 1,000,000 (nothing was parsed)"),
    Mistake("YAML alias bomb", _alias_bomb, "anchors and aliases (& and *) are not allowed"),
    Mistake(
        "os.system tag in an entry file",
        _unsafe_tag("evil.yaml", "entries: !!python/object/apply:os.system ['touch {marker}']\n"),
        "'tag:yaml.org,2002:python/object/apply:os.system' is not allowed",
    ),
    Mistake(
        "subprocess tag in an entry",
        _unsafe_tag(
            "evil.yaml",
            "entries:\n  - id: evil-entry\n"
            "    answer: !!python/object/apply:subprocess.check_call [[touch, '{marker}']]\n",
        ),
        "python/object/apply:subprocess.check_call' is not allowed",
    ),
    Mistake(
        "os.system tag in topics.yaml",
        _unsafe_tag("topics.yaml", "topics: !!python/object/apply:os.system ['touch {marker}']\n"),
        "python/object/apply:os.system' is not allowed",
    ),
    Mistake(
        "os.system tag in synonyms.yaml",
        _unsafe_tag("synonyms.yaml", "synonyms:\n  detainer: !!python/object/apply:os.system ['touch {marker}']\n"),
        "python/object/apply:os.system' is not allowed",
    ),
    Mistake(
        "os.system tag in a language pack",
        _unsafe_tag("languages/es.yaml", "name: !!python/object/apply:os.system ['touch {marker}']\n"),
        "python/object/apply:os.system' is not allowed",
    ),
]


async def reload_as_moderator(bot: FAQBot) -> str:
    """Run ``/faq reload`` as a member with Manage Server; return the reply's content."""
    interaction = FakeInteraction(bot, permissions=MODERATOR)
    await invoke(FAQCog.reload, FAQCog(bot), interaction)
    assert [s.kind for s in interaction.sent] == ["defer", "followup"]
    assert interaction.sent[0].ephemeral and interaction.reply.ephemeral
    return interaction.reply.content or ""


async def still_answers(bot: FAQBot, engine: Engine) -> None:
    """``/ask`` answers from ``engine`` exactly as before the failed reload."""
    interaction = FakeInteraction(bot)
    await invoke(AskCog.ask, AskCog(bot), interaction, question="is an ice hold mandatory")
    embed = interaction.reply.embed or {}
    assert embed["title"] == engine.faq.by_id[DETAINER].question
    assert embed["description"] == engine.faq.by_id[DETAINER].text("en").answer


@pytest.mark.parametrize("mistake", MISTAKES, ids=[m.name for m in MISTAKES])
async def test_a_broken_edit_is_refused_and_the_live_faq_stays(
    mistake: Mistake, make_faq: FAQBuilder, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = make_faq()
    bot = make_bot(Engine.load(folder), insights_db=None)
    live, version = bot.engine, bot.engine.faq.version
    marker = tmp_path / "EXECUTED"

    where = mistake.make(folder, marker)
    content = await reload_as_moderator(bot)

    assert content.startswith("The FAQ was NOT reloaded; the current one stays live."), content
    problems = content.split("```")[1]
    assert where in problems and mistake.message in problems, (where, content)
    assert not marker.exists(), "an unsafe YAML tag was executed"
    assert bot.engine is live and bot.engine.faq.version == version
    await still_answers(bot, live)
    assert any("reload problem" in r.getMessage() and mistake.message in r.getMessage() for r in caplog.records)
    record("moderator mistakes refused", **{mistake.name.replace(" ", "_"): 1})


async def test_one_broken_file_keeps_every_other_edit_out_too(make_faq: FAQBuilder) -> None:
    """A reload is all or nothing: a good edit in one file does not go live beside a broken one."""
    folder = make_faq({"a.yaml": [entry()], "b.yaml": [ftca_entry()]})
    bot = make_bot(Engine.load(folder), insights_db=None)
    live = bot.engine
    corrected = "A corrected answer: live only once every file is valid."
    (folder / "a.yaml").write_text(dump([entry(answer=corrected)]), encoding="utf-8")
    (folder / "b.yaml").write_text(dump([{**ftca_entry(), "colour": "red"}]), encoding="utf-8")
    content = await reload_as_moderator(bot)
    assert "faq/b.yaml:" in content and "[ftca-vs-personal-suit] unknown key 'colour'" in content
    assert bot.engine is live
    await still_answers(bot, live)

    (folder / "b.yaml").write_text(dump([ftca_entry()]), encoding="utf-8")
    fixed = await reload_as_moderator(bot)
    assert fixed.startswith("FAQ reloaded: 2 entries are live.") and DETAINER in fixed
    assert bot.engine.faq.by_id[DETAINER].text("en").answer == corrected


async def test_problem_text_cannot_break_out_of_the_code_block(make_faq: FAQBuilder) -> None:
    """Back-ticks and mentions in a moderator's mistake stay inside one code block of the reply."""
    folder = make_faq()
    bot = make_bot(Engine.load(folder), insights_db=None)
    (folder / "main.yaml").write_text(dump([{**entry(), "```@everyone": "x"}, ftca_entry()]), encoding="utf-8")
    content = await reload_as_moderator(bot)
    assert content.count("```") == 2
    assert "unknown key \"'''@everyone\"" in content or "'''@everyone" in content


# --- the same through the real client and FakeDiscord ------------------------------------------


@pytest.mark.parametrize(
    "mistake",
    [m for m in MISTAKES if m.name in {"os.system tag in an entry file", "YAML alias bomb", "quote not in its seed"}],
    ids=lambda m: m.name,
)
async def test_live_reload_refuses_and_keeps_answering(
    mistake: Mistake, fake_discord: FakeDiscord, live_bot: FAQBot, tmp_path: Path
) -> None:
    live, version = live_bot.engine, live_bot.engine.faq.version
    marker = tmp_path / "EXECUTED"
    where = mistake.make(live.faq.folder, marker)

    reply = await faq_command(fake_discord, "reload", permissions=MANAGE_GUILD)

    data = reply["data"]
    assert reply["type"] == "followup" and reply["deferred"]["data"]["flags"] == EPHEMERAL
    assert data["allowed_mentions"] == {"parse": []}
    assert where in data["content"] and mistake.message in data["content"]
    assert not marker.exists()
    assert live_bot.engine is live and live_bot.engine.faq.version == version
    answered = (await ask(fake_discord, "is an ice hold mandatory"))["data"]["embeds"][0]
    assert answered["title"] == live.faq.by_id[DETAINER].question


async def test_live_reload_reply_with_a_mention_in_the_mistake_pings_nobody(
    fake_discord: FakeDiscord, live_bot: FAQBot
) -> None:
    folder = live_bot.engine.faq.folder
    (folder / "main.yaml").write_text(dump([{**entry(), "@everyone <@&1234567890123456>": "x"}]), encoding="utf-8")
    data = (await faq_command(fake_discord, "reload", permissions=MANAGE_GUILD))["data"]
    assert "@everyone" in data["content"], "the moderator sees their own mistake"
    assert data["allowed_mentions"] == {"parse": []} and data["flags"] & EPHEMERAL
