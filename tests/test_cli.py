"""The ``faqbot`` harness: ask, JSON streaming, repl, check and eval."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.cli import main
from tests.conftest import FAQBuilder, entry, ftca_entry
from tests.test_not_covered import HOME_ENTRY, with_subjects


def run(argv: list[str], capsys: pytest.CaptureFixture[str], stdin: str = "") -> tuple[int, str, str]:
    """Run the CLI in-process with ``stdin``; return (exit code, stdout, stderr)."""
    sys.stdin = io.StringIO(stdin)
    try:
        code = main(argv)
    finally:
        sys.stdin = sys.__stdin__
    out, err = capsys.readouterr()
    return code, out, err


def test_ask_prints_a_cited_answer(make_faq: FAQBuilder, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["ask", "--faq", str(make_faq()), "is an ice hold mandatory?"], capsys)
    assert code == 0
    assert "Q: Is an ICE detainer an order, or only a request?" in out and "Sources:" in out
    assert "not legal advice" in out


def test_ask_json_streams_one_object_per_line_in_order(
    make_faq: FAQBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    questions = [
        "is an ice hold mandatory",
        "ftca",
        "how do i bake bread",
        "",
        "¿la orden de retención es obligatoria?",
    ]
    code, out, _ = run(["ask", "--json", "--faq", str(make_faq()), "-"], capsys, stdin="\n".join(questions) + "\n")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert [r["question"] for r in rows] == questions
    assert [r["status"] for r in rows] == ["answer", "answer", "none", "none", "answer"]
    assert rows[4]["lang"] == "es"


def test_ask_lang_forces_the_reply_language(make_faq: FAQBuilder, capsys: pytest.CaptureFixture[str]) -> None:
    folder = str(make_faq())
    _, out, _ = run(["ask", "--json", "--lang", "es", "--faq", folder, "is an ice hold mandatory"], capsys)
    assert json.loads(out)["answer"].startswith("Un fact-check")
    code, _, err = run(["ask", "--lang", "xx", "--faq", folder, "ice hold"], capsys)
    assert code == 2 and "no language pack for 'xx'" in err


def test_repl_answers_until_quit(make_faq: FAQBuilder, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["repl", "--faq", str(make_faq())], capsys, stdin="ice hold mandatory?\n\n:q\n")
    assert code == 0
    assert "2 entries loaded" in out and out.count("Q: Is an ICE detainer") == 1


def test_check_passes_and_reports_coverage(make_faq: FAQBuilder, capsys: pytest.CaptureFixture[str]) -> None:
    folder = str(make_faq())
    code, out, _ = run(["check", "--faq", folder], capsys)
    assert code == 0 and out.startswith("ok: 2 entries, 2 quotes grounded in 5 seeds; languages: en (2/2), es (2/2)")
    code, out, _ = run(["check", "--coverage", "--faq", folder], capsys)
    assert code == 1
    assert "uncovered: 000_127fa5fed7740858: Executive summary" in out and "coverage: 2/" in out


def test_check_lists_every_error_and_fails(make_faq: FAQBuilder, capsys: pytest.CaptureFixture[str]) -> None:
    folder = make_faq({"a.yaml": [entry(colour="red")], "b.yaml": [ftca_entry(), ftca_entry()]})
    code, out, err = run(["check", "--faq", str(folder)], capsys)
    assert code == 1 and out == ""
    assert "[detainer-is-request] unknown key 'colour'" in err
    assert "[ftca-vs-personal-suit] duplicate id" in err
    assert err.rstrip().endswith("2 problem(s); nothing was loaded.")


def test_eval_reports_metrics_per_language(
    make_faq: FAQBuilder, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    labelled = tmp_path / "labelled.yaml"
    questions = [
        {"q": "is an ice hold mandatory", "expect": ["detainer-is-request"], "lang": "en"},
        {"q": "ftca?", "expect": ["detainer-is-request"], "lang": "en"},
        {"q": "how do i bake bread", "expect": [], "lang": "en"},
        {"q": "¿la orden de retención es obligatoria?", "expect": ["detainer-is-request"], "lang": "es"},
    ]
    labelled.write_text(yaml.safe_dump({"questions": questions}))
    code, out, _ = run(["eval", "--json", "--faq", str(make_faq()), str(labelled)], capsys)
    table = json.loads(out)
    assert code == 0
    assert table["all"]["correct_pct"] == pytest.approx(66.7)
    assert table["all"]["wrong_pct"] == 25.0  # "ftca?" answered with the FTCA entry, labelled otherwise
    assert table["all"]["declined_pct"] == 100.0
    assert table["es"]["questions"] == 1 and table["es"]["correct_pct"] == 100.0


def test_eval_misses_lists_only_wrong_answers_and_unhelpful_replies(
    make_faq: FAQBuilder, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    labelled = tmp_path / "labelled.yaml"
    questions = [
        {"q": "is an ice hold mandatory", "expect": ["detainer-is-request"]},
        {"q": "ftca?", "expect": ["detainer-is-request"]},
        {"q": "how do i bake bread", "expect": ["ftca-vs-personal-suit"]},
        {"q": "how do i bake cake", "expect": []},
    ]
    labelled.write_text(yaml.safe_dump({"questions": questions}))
    code, out, _ = run(["eval", "--misses", "--faq", str(make_faq()), str(labelled)], capsys)
    listed = [line for line in out.splitlines() if line.startswith(("WRONG", "MISS"))]
    assert code == 0 and len(listed) == 2
    assert listed[0].startswith("WRONG answer ftca-vs-personal-suit ") and listed[0].endswith("'ftca?'")
    assert listed[1].startswith("MISS  none ") and "expect=['ftca-vs-personal-suit']" in listed[1]


def test_eval_refuses_labels_that_name_unknown_entries(
    make_faq: FAQBuilder, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    labelled = tmp_path / "labelled.yaml"
    labelled.write_text(yaml.safe_dump({"questions": [{"q": "x", "expect": ["nope"]}]}))
    code, _, err = run(["eval", "--faq", str(make_faq()), str(labelled)], capsys)
    assert code == 2 and "unknown ids in expect: ['nope']" in err


@pytest.mark.parametrize(
    ("label", "verdict", "moved"),
    [
        ("ftca-vs-personal-suit", "better", "correct +1, wrong +0, helpful +1"),
        # Labelled as another entry's question, the new answer to "ftca?" is a wrong one.
        ("detainer-is-request", "worse", "correct +0, wrong +1, helpful +0"),
    ],
)
def test_eval_against_another_faq_lists_every_reply_that_moved(
    make_faq: FAQBuilder, tmp_path: Path, capsys: pytest.CaptureFixture[str], label: str, verdict: str, moved: str
) -> None:
    # How a moderator checks an edit: the edited FAQ with --faq, a copy from before it with --against.
    edited, before = make_faq(), make_faq({"main.yaml": [entry()]}, name="before")
    labelled = tmp_path / "labelled.yaml"
    questions = [
        {"q": "is an ice hold mandatory", "expect": ["detainer-is-request"]},
        {"q": "ftca?", "expect": [label]},
    ]
    labelled.write_text(yaml.safe_dump({"questions": questions}))
    code, out, _ = run(["eval", "--faq", str(edited), str(labelled), "--against", str(before)], capsys)
    assert code == 0
    summary, line = out.split(f"against {before}: ")[1].splitlines()
    assert summary == f"{moved}; 1 of 2 replies differ"
    assert line.startswith(f"{verdict} ") and line.endswith("-> answer ftca-vs-personal-suit  'ftca?'")


def test_eval_against_a_broken_faq_names_its_problems(
    make_faq: FAQBuilder, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    labelled = tmp_path / "labelled.yaml"
    labelled.write_text(yaml.safe_dump({"questions": [{"q": "ice hold", "expect": ["detainer-is-request"]}]}))
    broken = make_faq({"main.yaml": [entry(colour="red")]}, name="broken")
    code, _, err = run(["eval", "--faq", str(make_faq()), str(labelled), "--against", str(broken)], capsys)
    assert code == 1
    assert "[detainer-is-request] unknown key 'colour'" in err and "nothing was loaded" in err


def test_python_dash_m_bot_is_the_same_command(make_faq: FAQBuilder) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--json", "--faq", str(make_faq()), "ftca"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["id"] == "ftca-vs-personal-suit"


def test_the_readme_quick_start_question_gets_a_cited_answer(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["ask", "--json", "can local police refuse an ICE detainer?"], capsys)
    answer = json.loads(out)
    assert code == 0
    assert (answer["status"], answer["id"]) == ("answer", "refuse-detainer")
    assert answer["citations"] and all(c["quote"] and c["title"] for c in answer["citations"])


def test_check_counts_the_subjects_the_bot_declines_by_name(
    make_faq: FAQBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["check", "--faq", str(make_faq(name="plain"))], capsys)
    assert code == 0 and "not covered" not in out
    folder = with_subjects(make_faq(), {"home-entry": HOME_ENTRY})
    code, out, _ = run(["check", "--faq", str(folder)], capsys)
    assert code == 0 and "not covered (declined by name): 1 subjects in not-covered.yaml" in out


def test_check_reports_the_defining_words_and_warns_of_one_no_entry_uses(
    make_faq: FAQBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = make_faq()
    code, out, _ = run(["check", "--faq", str(folder)], capsys)
    assert code == 0 and "defining words: sue (1 of 2 entries), demandar (1 of 2 entries)" in out
    assert "warning" not in out
    pack = folder / "languages" / "en.yaml"
    pack.write_text(pack.read_text(encoding="utf-8").replace("defining_words: [sue]", "defining_words: [sue, divorce]"))
    code, out, _ = run(["check", "--faq", str(folder)], capsys)
    assert code == 0 and "defining words: sue (1 of 2 entries), divorce (0 of 2 entries)," in out
    assert "warning: no entry uses the defining word 'divorce', so no question with it is answered" in out


def test_check_lists_confusions_with_file_line_and_rival(
    make_faq: FAQBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    stray = "what is the federal tort claims act ftca"
    folder = make_faq({"main.yaml": [entry(alternates=[*entry()["alternates"], stray]), ftca_entry()]})
    code, out, _ = run(["check", "--confusions", "--faq", str(folder)], capsys)
    assert code == 0 and "confusions: 2 phrasing(s) read closer to another entry than to their own" in out
    assert f"main.yaml:2 [detainer-is-request] '{stray}' -> ftca-vs-personal-suit (" in out


def test_check_lists_phrasings_made_only_of_common_words(
    make_faq: FAQBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    # "ice" is in all three entries, so a phrasing of it alone tells the matcher nothing.
    vague = "ICE?"
    ftca = ftca_entry()
    third = entry(
        "sanctuary",
        question="What is a sanctuary city?",
        alternates=[
            "sanctuary city ice",
            "what does sanctuary mean",
            "sanctuary county",
            "santuary city",
            "is my town a sanctuary",
            "ciudad santuario",
        ],
    )
    folder = make_faq(
        {
            "main.yaml": [
                entry(alternates=[*entry()["alternates"], vague]),
                {**ftca, "alternates": [*ftca["alternates"], "sue ice"]},
                third,
            ]
        }
    )
    code, out, _ = run(["check", "--confusions", "--faq", str(folder)], capsys)
    assert code == 0 and "phrasing(s) made only of words nearly every entry uses" in out
    assert f"  [detainer-is-request] '{vague}'" in out
    assert "'federal tort claims act'" not in out.split("vague:")[1]


def test_check_readability_gives_the_median_grade_and_lists_hard_answers(
    make_faq: FAQBuilder, capsys: pytest.CaptureFixture[str]
) -> None:
    dense = (
        "Jurisdiction-specific counsel should be consulted regarding administrative immigration "
        "enforcement procedures, constitutional protections and potential liability exposure."
    )
    folder = make_faq({"main.yaml": [entry(answer=dense), ftca_entry()]})
    code, out, _ = run(["check", "--readability", "--faq", str(folder)], capsys)
    assert code == 0
    assert "readability: English median grade" in out and "of 2 answers (aim: about 8); 1 above 11" in out
    assert "readability: Spanish median reading ease" in out and "of 2 answers" in out and "; 0 under 50" in out
    hard = [line for line in out.splitlines() if line.startswith("  ")]
    assert len(hard) == 1 and hard[0].startswith("  main.yaml:2 [detainer-is-request] grade ")
    assert hard[0].endswith("(17 words a sentence)")
    code, out, _ = run(["check", "--faq", str(folder)], capsys)
    assert code == 0 and "readability" not in out


def test_check_readability_of_a_faq_without_entries(make_faq: FAQBuilder, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["check", "--readability", "--faq", str(make_faq({"main.yaml": []}))], capsys)
    assert code == 0 and "readability: no answers to measure" in out
