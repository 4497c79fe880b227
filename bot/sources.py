"""The seed documents: their provenance (``seeds/sources.yaml``) and their sections.

A citation names a seed and a section heading; :class:`Seed` finds each heading
at the start of a line and cuts the document into sections, so the grounding
check can prove a quote appears *inside the section it names*.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.errors import FAQError
from bot.text import fold
from bot.yamlfile import load_yaml, mapping_line


@dataclass(frozen=True, slots=True)
class Section:
    """One headed part of a seed document."""

    heading: str
    text: str
    folded: str
    coverage: bool


@dataclass(frozen=True, slots=True)
class Seed:
    """A source document as the FAQ cites it."""

    stem: str
    title: str
    publisher: str | None
    checked: str | None
    kind: str | None
    sections: dict[str, Section]

    def contains(self, section: str, quote: str) -> bool:
        """Whether ``quote`` appears, after folding, inside ``section``."""
        found = self.sections.get(section)
        return found is not None and fold(quote) in found.folded


def _split_sections(stem: str, text: str, headings: list[tuple[str, bool]], path: Path) -> dict[str, Section]:
    """Cut ``text`` at each heading (matched at a line start, in order)."""
    starts: list[int] = []
    cursor = 0
    lines_at = [0]
    for i, ch in enumerate(text):
        if ch == "\n":
            lines_at.append(i + 1)
    for heading, _ in headings:
        start = next((pos for pos in lines_at if pos >= cursor and text.startswith(heading, pos)), None)
        if start is None:
            raise FAQError(path, None, stem, f"heading not found at the start of a line (in order): {heading!r}")
        starts.append(start)
        cursor = start + len(heading)
    sections: dict[str, Section] = {}
    for i, (heading, coverage) in enumerate(headings):
        end = starts[i + 1] if i + 1 < len(starts) else len(text)
        body = text[starts[i] : end]
        sections[heading] = Section(heading, body, fold(body), coverage)
    return sections


def load_seeds(seeds_dir: Path) -> dict[str, Seed]:
    """Load ``sources.yaml`` and every seed it lists; raise :class:`FAQError` on any problem."""
    index = seeds_dir / "sources.yaml"
    data, root = load_yaml(index)
    if not isinstance(data, dict) or not isinstance(data.get("seeds"), dict):
        raise FAQError(index, 1, None, "expected a mapping with a 'seeds' key")
    seeds: dict[str, Seed] = {}
    for stem, meta in data["seeds"].items():
        line = mapping_line(root, "seeds", stem)
        if not isinstance(meta, dict) or not isinstance(meta.get("title"), str):
            raise FAQError(index, line, stem, "each seed needs at least a 'title'")
        path = seeds_dir / f"{stem}.txt"
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise FAQError(index, line, stem, f"cannot read {path.name}: {exc}") from exc
        headings: list[tuple[str, bool]] = []
        for item in meta.get("sections") or []:
            if not isinstance(item, dict) or not isinstance(item.get("heading"), str):
                raise FAQError(index, line, stem, "each section needs a 'heading' string")
            headings.append((item["heading"], bool(item.get("coverage", True))))
        seeds[stem] = Seed(
            stem=stem,
            title=meta["title"],
            publisher=meta.get("publisher"),
            checked=None if meta.get("checked") is None else str(meta["checked"]),
            kind=meta.get("kind"),
            sections=_split_sections(stem, text, headings, index),
        )
    return seeds
