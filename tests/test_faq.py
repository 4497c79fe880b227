"""The FAQ loader: strict schema, grounding, and errors that name file, line and entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine import Engine
from bot.errors import FAQLoadError
from bot.faq import ANSWER_MAX, FAQ, load_faq
from tests.conftest import DETAINER_QUOTE, FTCA_QUOTE, FAQBuilder, entry, ftca_entry


def load_errors(folder: Path) -> list[str]:
    """Load ``folder`` expecting failure; return the error lines."""
    with pytest.raises(FAQLoadError) as caught:
        load_faq(folder)
    return [str(e) for e in caught.value.errors]


def line_of(path: Path, needle: str) -> int:
    """The 1-based line where ``needle`` first appears in ``path``."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def test_valid_faq_loads_with_both_languages(make_faq: FAQBuilder) -> None:
    faq = load_faq(make_faq())
    assert [e.id for e in faq.entries] == ["detainer-is-request", "ftca-vs-personal-suit"]
    detainer = faq.by_id["detainer-is-request"]
    assert set(detainer.texts) == {"en", "es"}
    assert detainer.citations[0].quote == DETAINER_QUOTE
    assert detainer.text("es").question.startswith("¿Una orden")
    assert detainer.text("pt") is detainer.texts["en"]


def test_repr_is_one_line_whatever_the_size(shipped_engine: Engine) -> None:
    # asyncio 3.11 builds the repr of asyncio.run's result: a repr of every entry cost seconds.
    faq = shipped_engine.faq
    shown = repr(shipped_engine)
    assert f"entries={len(faq.entries)}" in shown and f"version={faq.version!r}" in shown
    assert "\n" not in shown and len(shown) < 300
    assert faq.entries[0].text("en").answer not in shown


def test_version_changes_only_when_content_changes(make_faq: FAQBuilder) -> None:
    folder = make_faq()
    first, again = load_faq(folder).version, load_faq(folder).version
    (folder / "main.yaml").write_text((folder / "main.yaml").read_text().replace("not orders", "never orders"))
    assert first == again
    assert load_faq(folder).version != first


def test_ungrounded_quote_names_file_line_and_entry(make_faq: FAQBuilder) -> None:
    planted = "Local police must always honor every ICE detainer"
    bad = entry(citations=[{"seed": "004_eff2dd5aa25bedd4", "section": "1. Summary of the results", "quote": planted}])
    folder = make_faq({"main.yaml": [bad]})
    (error,) = load_errors(folder)
    path = folder / "main.yaml"
    assert error.startswith(f"{path}:{line_of(path, planted)}: [detainer-is-request] ")
    assert "quote not found" in error


def test_quote_from_another_section_is_not_grounded(make_faq: FAQBuilder) -> None:
    wrong_section = entry(
        citations=[
            {
                "seed": "004_eff2dd5aa25bedd4",
                "section": "2. Missing context/alternative viewpoints",
                "quote": DETAINER_QUOTE,
            }
        ]
    )
    (error,) = load_errors(make_faq({"main.yaml": [wrong_section]}))
    assert "quote not found in 004_eff2dd5aa25bedd4, section '2. Missing context/alternative viewpoints'" in error


def test_quote_matching_forgives_only_case_space_quotes_and_dashes(make_faq: FAQBuilder) -> None:
    # The seed has a curly apostrophe and an em dash: "... and when they can’t" / "agents — and".
    typed = "WHEN local officers can arrest federal agents - and when they can't"
    ok = entry(
        citations=[
            {
                "seed": "002_da32922a8bece2ac",
                "section": "4. When local officers can arrest federal agents — and when they can’t",
                "quote": f"4.  {typed}",
            }
        ]
    )
    assert load_faq(make_faq({"main.yaml": [ok]})).entries
    reworded = entry(
        citations=[
            {
                "seed": "004_eff2dd5aa25bedd4",
                "section": "1. Summary of the results",
                "quote": "ICE detainers are optional and non-mandatory requests",
            }
        ]
    )
    assert "quote not found" in load_errors(make_faq({"main.yaml": [reworded]}, name="faq2"))[0]


def test_duplicate_id_across_files_names_both_places(make_faq: FAQBuilder) -> None:
    folder = make_faq({"a.yaml": [entry()], "b.yaml": [entry()]})
    (error,) = load_errors(folder)
    # Line 1 is "entries:"; the second file's only entry starts on line 2.
    assert error.startswith(f"{folder / 'b.yaml'}:2: [detainer-is-request] duplicate id (first defined at a.yaml:2)")


def test_malformed_yaml_names_file_and_line(make_faq: FAQBuilder) -> None:
    folder = make_faq({"broken.yaml": "entries:\n  - id: x\n    question: [unclosed\n    answer: y\n"})
    (error,) = load_errors(folder)
    assert error.startswith(f"{folder / 'broken.yaml'}:")
    line = int(error.split(":")[1])
    assert 3 <= line <= 5
    assert "YAML error" in error


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"colour": "red"}, "unknown key 'colour'"),
        ({"answer": "   "}, "'answer' must be a non-empty text"),
        ({"answer": "x" * (ANSWER_MAX + 1)}, f"the limit is {ANSWER_MAX}"),
        ({"alternates": ["ice hold", "ICE hold!", "a", "b", "c", "d"]}, "'alternates' has duplicate items"),
        ({"alternates": ["ice hold"]}, "'alternates' needs at least 6 items"),
        ({"topics": ["weather"]}, "unknown topic 'weather'"),
        ({"related": ["no-such-entry"]}, "'related' names unknown entry 'no-such-entry'"),
        ({"answer_only_with": "sue"}, "'answer_only_with' must be a list"),
        ({"answer_only_with": []}, "'answer_only_with' needs at least 1 items"),
        ({"answer_only_with": ["sue", "the"]}, "'answer_only_with' item 'the' is only stop words"),
        ({"id": "Bad ID!"}, "'id' must be a slug"),
        ({"citations": []}, "'citations' must be a non-empty list"),
        ({"citations": [{"seed": "999_nope", "section": "x", "quote": DETAINER_QUOTE}]}, "unknown seed '999_nope'"),
        (
            {"citations": [{"seed": "004_eff2dd5aa25bedd4", "section": "Summary", "quote": DETAINER_QUOTE}]},
            "is not a heading",
        ),
        (
            {"citations": [{"seed": "004_eff2dd5aa25bedd4", "section": "1. Summary of the results", "quote": "ICE"}]},
            "too short",
        ),
        ({"translations": {}}, "missing the Español (es) translation"),
        (
            {"translations": {"es": {"question": "¿?", "answer": "x", "alternates": ["a"]}}},
            "es.alternates needs at least 4",
        ),
        ({"translations": {"xx": {}}}, "translation 'xx' has no language pack"),
    ],
)
def test_each_schema_rule_is_enforced_with_the_entry_named(make_faq: FAQBuilder, change: dict, expected: str) -> None:
    errors = load_errors(make_faq({"main.yaml": [entry(**change)]}))
    assert any(expected in e for e in errors), errors
    assert all("main.yaml:" in e for e in errors)
    if "id" not in change:
        assert all("[detainer-is-request]" in e for e in errors)


def test_missing_field_is_named(make_faq: FAQBuilder) -> None:
    incomplete = entry()
    del incomplete["citations"]
    (error,) = load_errors(make_faq({"main.yaml": [incomplete]}))
    assert "[detainer-is-request] missing 'citations'" in error


def test_every_problem_is_reported_at_once(make_faq: FAQBuilder) -> None:
    errors = load_errors(make_faq({"a.yaml": [entry(colour="red")], "b.yaml": [ftca_entry(), ftca_entry()]}))
    assert len(errors) == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "file is empty"),
        ("- just\n- a list\n", "expected one top-level key, 'entries'"),
        (
            "entries: !!python/object/apply:os.system ['echo pwned']\n",
            "'tag:yaml.org,2002:python/object/apply:os.system' is not allowed",
        ),
        ("entries:\n  - id: a\n    id: b\n", "key 'id' appears twice"),
        ("a: &x [1, 2]\nb: *x\n", "anchors and aliases"),
    ],
)
def test_unsafe_or_wrong_documents_are_refused(make_faq: FAQBuilder, text: str, expected: str) -> None:
    errors = load_errors(make_faq({"main.yaml": [entry()], "evil.yaml": text}))
    assert any(expected in e and "evil.yaml" in e for e in errors), errors


def test_alias_bomb_is_refused_without_expanding(make_faq: FAQBuilder) -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    errors = load_errors(make_faq({"main.yaml": [entry()], "bomb.yaml": "\n".join(lines) + "\n"}))
    assert any("bomb.yaml:2:" in e and "aliases" in e for e in errors), errors


def test_non_utf8_file_names_the_line(make_faq: FAQBuilder) -> None:
    folder = make_faq({"main.yaml": [entry()]})
    (folder / "latin1.yaml").write_bytes("entries:\n  - id: caf\xe9\n".encode("latin-1"))
    (error,) = load_errors(folder)
    assert error.startswith(f"{folder / 'latin1.yaml'}:2:") and "not valid UTF-8" in error


def test_oversized_file_is_refused_before_parsing(make_faq: FAQBuilder) -> None:
    folder = make_faq({"main.yaml": [entry()]})
    with (folder / "huge.yaml").open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # a 50 MB sparse file: parsing it would take ages
    (error,) = load_errors(folder)
    assert "huge.yaml" in error and "the limit is 1,000,000" in error and "nothing was parsed" in error


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    (error,) = load_errors(tmp_path / "nowhere")
    assert "FAQ folder not found" in error


def test_coverage_lists_sections_no_entry_cites(make_faq: FAQBuilder) -> None:
    uncovered = load_faq(make_faq()).uncovered_sections()
    assert ("004_eff2dd5aa25bedd4", "1. Summary of the results") not in uncovered
    assert ("003_44d31c13fabd0e6a", "Executive summary") not in uncovered
    assert ("004_eff2dd5aa25bedd4", "2. Missing context/alternative viewpoints") in uncovered
    assert all(heading != "Want to dive deeper?" for _, heading in uncovered)


def test_reload_reuses_unchanged_files_and_revalidates_edited_ones(make_faq: FAQBuilder) -> None:
    folder = make_faq({"a.yaml": [entry()], "b.yaml": [ftca_entry()]})
    first = load_faq(folder)
    again = load_faq(folder, previous=first)
    assert again.by_id["detainer-is-request"] is first.by_id["detainer-is-request"]
    (folder / "b.yaml").write_text((folder / "b.yaml").read_text().replace(FTCA_QUOTE, "agents can never be sued"))
    (error,) = load_errors_with_previous(folder, again)
    assert "b.yaml" in error and "[ftca-vs-personal-suit]" in error and "quote not found" in error


def test_a_changed_topic_list_invalidates_every_reused_file(make_faq: FAQBuilder) -> None:
    folder = make_faq()
    first = load_faq(folder)
    topics = folder / "topics.yaml"
    topics.write_text(topics.read_text().replace("  suing-ice:\n", "  suing-federal-agents:\n"))
    (error,) = load_errors_with_previous(folder, first)
    assert "[ftca-vs-personal-suit] unknown topic 'suing-ice'" in error


def load_errors_with_previous(folder: Path, previous: FAQ) -> list[str]:
    """Reload ``folder`` over ``previous`` expecting failure; return the error lines."""
    with pytest.raises(FAQLoadError) as caught:
        load_faq(folder, previous=previous)
    return [str(e) for e in caught.value.errors]


@pytest.mark.parametrize(
    ("months", "expected"),
    [
        (None, "'months' must list the 12 month names, January first (has 0)"),
        ("[enero, febrero]", "'months' must list the 12 month names, January first (has 2)"),
        ("enero febrero", "'months' must be a list of non-empty texts"),
    ],
)
def test_a_language_pack_needs_its_twelve_month_names(make_faq: FAQBuilder, months: str | None, expected: str) -> None:
    folder = make_faq()
    pack = folder / "languages" / "es.yaml"
    text = pack.read_text(encoding="utf-8")
    start = text.index("months:")
    end = text.index("\n# Locales")
    pack.write_text(text[:start] + (f"months: {months}" if months else "") + text[end:], encoding="utf-8")
    errors = load_errors(folder)
    assert any("es.yaml:" in e and expected in e for e in errors), errors


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("[sue, the]", "'defining_words' item 'the' is only stop words, so no question keeps it"),
        ("sue", "'defining_words' must be a list of non-empty texts"),
    ],
)
def test_a_defining_word_must_be_a_word_questions_keep(make_faq: FAQBuilder, value: str, expected: str) -> None:
    folder = make_faq()
    pack = folder / "languages" / "en.yaml"
    text = pack.read_text(encoding="utf-8").replace("defining_words: [sue]", f"defining_words: {value}")
    pack.write_text(text, encoding="utf-8")
    line = text.splitlines().index(f"defining_words: {value}") + 1
    errors = load_errors(folder)
    assert any(f"en.yaml:{line}" in e and expected in e for e in errors), errors


def test_a_defining_word_made_of_another_packs_stop_words_is_refused(make_faq: FAQBuilder) -> None:
    # "the" is an English stop word, not a Spanish one; questions lose it whatever their language.
    folder = make_faq()
    pack = folder / "languages" / "es.yaml"
    text = pack.read_text(encoding="utf-8")
    assert "defining_words: [demandar]" in text
    text = text.replace("defining_words: [demandar]", "defining_words: [demandar, the]")
    pack.write_text(text, encoding="utf-8")
    line = text.splitlines().index("defining_words: [demandar, the]") + 1
    errors = load_errors(folder)
    expected = "'defining_words' item 'the' is only stop words, so no question keeps it"
    assert any(f"es.yaml:{line}" in e and expected in e for e in errors), errors


def test_a_bad_instruction_pattern_names_the_pack_and_line(make_faq: FAQBuilder) -> None:
    folder = make_faq()
    pack = folder / "languages" / "en.yaml"
    text = pack.read_text(encoding="utf-8").replace(
        "instruction_patterns:\n", "instruction_patterns:\n  - '(unclosed'\n"
    )
    pack.write_text(text, encoding="utf-8")
    line = text.splitlines().index("  - '(unclosed'") + 1
    errors = load_errors(folder)
    assert any(f"en.yaml:{line}" in e and "bad pattern" in e for e in errors), errors
