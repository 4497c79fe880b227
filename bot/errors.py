"""The one error type of the knowledge core: a problem in a file, at a line, in an entry."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


class FAQError(Exception):
    """A problem a moderator can fix: which file, which line, which entry, what is wrong."""

    def __init__(self, path: Path | str, line: int | None, entry: str | None, message: str) -> None:
        """Record where the problem is and what it is."""
        self.path = Path(path)
        self.line = line
        self.entry = entry
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        """Format as ``file:line: [entry] message``, the shape editors and CI logs understand."""
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        entry = f" [{self.entry}]" if self.entry else ""
        return f"{where}:{entry} {self.message}"


class FAQLoadError(Exception):
    """Loading failed; carries every problem found, not just the first."""

    def __init__(self, errors: Sequence[FAQError]) -> None:
        """Keep the errors in the order they were found."""
        self.errors = list(errors)
        super().__init__(f"{len(self.errors)} problem(s) in the FAQ:\n" + "\n".join(str(e) for e in self.errors))
