"""Shared fixtures: the shipped FAQ, and small temporary FAQs built per test."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.engine import Engine
from bot.matcher import Thresholds
from tests.fakediscord import FakeDiscord

ROOT = Path(__file__).resolve().parent.parent
SHIPPED_FAQ = ROOT / "faq"
SEEDS = ROOT / "seeds"
NOTHING_CONFIDENT = Thresholds(
    answer=101.0, clear_answer=101.0, story_answer=101.0, agree_answer=101.0, agree_story_answer=101.0
)
"""No tier of confidence and no second opinion can answer: a test turns back on the one it is about."""

DETAINER_QUOTE = "ICE detainers are non-mandatory and optional requests"
FTCA_QUOTE = "victims typically sue the United States under the Federal Tort Claims Act"


def entry(entry_id: str = "detainer-is-request", **overrides: Any) -> dict[str, Any]:
    """A valid entry as a moderator would write it; override any key."""
    base: dict[str, Any] = {
        "id": entry_id,
        "question": "Is an ICE detainer an order, or only a request?",
        "alternates": [
            "ice hold",
            "is an ice hold mandatory",
            "does the jail have to keep someone for ice",
            "detainor required",
            "can the county ignore a detainer",
            "la orden de retencion es obligatoria",
        ],
        "answer": "A fact-check found that ICE detainers are requests, not orders.",
        "citations": [
            {"seed": "004_eff2dd5aa25bedd4", "section": "1. Summary of the results", "quote": DETAINER_QUOTE}
        ],
        "topics": ["detainers"],
        "translations": {
            "es": {
                "question": "¿Una orden de retención (detainer) de ICE es obligatoria?",
                "answer": "Un fact-check encontró que las órdenes de retención son solicitudes, no órdenes.",
                "alternates": ["hold de ice", "es obligatorio el hold", "orden de retencion obligatoria", "detainer"],
            }
        },
    }
    base.update(overrides)
    return base


def ftca_entry() -> dict[str, Any]:
    """A second valid entry on an unrelated question."""
    return entry(
        "ftca-vs-personal-suit",
        question="What is the Federal Tort Claims Act (FTCA)?",
        alternates=[
            "ftca",
            "federal tort claims act",
            "sue the united states for what an agent did",
            "what is the ftca",
            "tort claim against the government",
            "que es la ley federal de reclamaciones por agravios",
        ],
        answer="Reporting says people usually sue the United States under the FTCA.",
        citations=[
            {
                "seed": "003_44d31c13fabd0e6a",
                "section": "Executive summary",
                "quote": FTCA_QUOTE,
            }
        ],
        topics=["suing-ice"],
        translations={
            "es": {
                "question": "¿Qué es la Ley Federal de Reclamaciones por Agravios (FTCA)?",
                "answer": "Según los reportes, se suele demandar a Estados Unidos bajo la FTCA.",
                "alternates": [
                    "ftca",
                    "ley de reclamaciones",
                    "demandar al gobierno federal",
                    "reclamacion por agravios",
                ],
            }
        },
    )


def set_spanish_message(folder: Path, key: str, value: str) -> Path:
    """Change one message of the Spanish pack in place (its line stays where it was); return the pack's path."""
    path = folder / "languages" / "es.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith(f"  {key}:"))
    lines[index] = f"  {key}: {json.dumps(value, ensure_ascii=False)}"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


FAQBuilder = Callable[..., Path]


@pytest.fixture
def make_faq(tmp_path: Path) -> FAQBuilder:
    """Build a FAQ folder in ``tmp_path`` with the shipped language packs, topics and synonyms.

    ``files`` maps a file name to a list of entries (dicts) or to raw text.
    """

    def build(files: dict[str, list[dict[str, Any]] | str] | None = None, name: str = "faq") -> Path:
        folder = tmp_path / name
        shutil.copytree(SHIPPED_FAQ / "languages", folder / "languages")
        for reserved in ("topics.yaml", "synonyms.yaml"):
            shutil.copy(SHIPPED_FAQ / reserved, folder / reserved)
        if not (tmp_path / "seeds").exists():
            shutil.copytree(SEEDS, tmp_path / "seeds")
        for file_name, content in (files if files is not None else {"main.yaml": [entry(), ftca_entry()]}).items():
            text = content if isinstance(content, str) else yaml.safe_dump({"entries": content}, allow_unicode=True)
            (folder / file_name).write_text(text, encoding="utf-8")
        return folder

    return build


@pytest.fixture
def small_engine(make_faq: FAQBuilder) -> Engine:
    """An engine over the two-entry temporary FAQ."""
    return Engine.load(make_faq())


@pytest.fixture(scope="session")
def shipped_engine() -> Engine:
    """The engine over the FAQ this repository ships."""
    return Engine.load(SHIPPED_FAQ)


pytest_plugins = ["tests.fakediscord.fixtures"]


ASKER_ID = 444455556666777788
"""The member who asks in the end-to-end tests, unless a test says otherwise."""


async def ask(fake: FakeDiscord, question: str, timeout: float = 10.0, **kwargs: Any) -> dict[str, Any]:
    """Send ``/ask`` through the fake Discord and return the bot's callback body.

    ``public`` and ``language`` become command options; any other keyword goes
    to :meth:`FakeDiscord.slash_command` (``user_id``, ``locale``...).
    """
    options = {"question": question, **{k: kwargs.pop(k) for k in ("public", "language") if k in kwargs}}
    kwargs.setdefault("user_id", ASKER_ID)
    return await fake.interact(fake.slash_command("ask", options, **kwargs), timeout)
