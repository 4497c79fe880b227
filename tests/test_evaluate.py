"""bot.evaluate: how each reply is described and counted, including a decline that offers related entries."""

from __future__ import annotations

import pytest

from bot.evaluate import Labelled, Outcome, reply


def outcome(status: str, answered: str | None = None, suggested: tuple[str, ...] = ()) -> Outcome:
    """An outcome for an in-scope question whose right entry is ``ftca-vs-personal-suit``."""
    item = Labelled("can i sue ice", frozenset({"ftca-vs-personal-suit"}), "en")
    return Outcome(item, status, answered, suggested, top=None, top_score=0.0, margin=0.0)


@pytest.mark.parametrize(
    ("made", "described", "helpful"),
    [
        (outcome("answer", "ftca-vs-personal-suit"), "answer ftca-vs-personal-suit", True),
        (
            outcome("suggest", suggested=("who-gets-sued", "ftca-vs-personal-suit")),
            "did you mean who-gets-sued, ftca-vs-personal-suit",
            True,
        ),
        (outcome("none", suggested=("ftca-vs-personal-suit",)), "none, related ftca-vs-personal-suit", True),
        (outcome("none"), "none", False),
    ],
)
def test_each_reply_is_described_and_a_related_entry_counts_as_helpful(
    made: Outcome, described: str, helpful: bool
) -> None:
    assert reply(made) == described
    assert made.helpful is helpful
    assert not made.wrong and made.correct is (made.status == "answer")
