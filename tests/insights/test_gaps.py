"""Similar unanswered questions become one gap with a count."""

from __future__ import annotations

from bot.engine import Engine
from bot.insights.gaps import Gap, cluster, comparable, similarity


def test_similar_questions_form_one_gap_with_the_total_count() -> None:
    gaps = cluster(
        [
            ("what is the 48 hour rule", 5),
            ("48 hour rule?", 4),
            ("What is the 48-hour rule??", 3),
            ("how do i get a work permit", 1),
            ("work permit how", 2),
            ("do I need a lawyer for asylum", 1),
        ]
    )
    assert gaps[0] == Gap("what is the 48 hour rule", 12, (("48 hour rule?", 4), ("What is the 48-hour rule??", 3)))
    assert [(g.text, g.count) for g in gaps[1:]] == [("work permit how", 3), ("do I need a lawyer for asylum", 1)]


def test_one_shared_word_does_not_merge_different_questions() -> None:
    gaps = cluster([("ice", 1), ("can ice enter my house without a warrant", 1), ("what does ice do", 1)])
    assert len(gaps) == 3


def test_placeholders_do_not_make_questions_alike() -> None:
    assert comparable("call me at [phone] about bond") == "call me at about bond"
    gaps = cluster([("[phone] bond hearing", 1), ("[phone] work permit", 1)])
    assert len(gaps) == 2
    assert len(cluster([("[link]", 1), ("[link]", 2)])) == 1


def test_the_matchers_normaliser_groups_across_stop_words_and_synonyms(shipped_engine: Engine) -> None:
    texts = [("what is the 48 hour rule", 2), ("the 48 hour rule", 1)]
    plain = cluster(texts)
    normalised = cluster(texts, normalize=shipped_engine.matcher.normalize)
    assert [g.count for g in normalised] == [3]
    assert sum(g.count for g in plain) == 3


def test_clustering_is_deterministic_and_empty_input_is_fine() -> None:
    texts = [("b question", 1), ("a question", 1), ("c other thing", 1)]
    assert cluster(texts) == cluster(list(reversed(texts)))
    assert cluster([]) == []


def test_similarity_is_symmetric_and_bounded() -> None:
    assert similarity("a b c", "c b a") == 100
    assert 0 <= similarity("bond", "asylum") < 50
