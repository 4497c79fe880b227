"""The ``faqbot`` command line: the local harness moderators use to test their edits.

``faqbot ask``, ``repl``, ``check`` and ``eval`` use only the knowledge core
(no Discord). ``faqbot run`` and ``sync`` start the Discord layer. ``faqbot stats``
and ``gaps`` read the insights database (:mod:`bot.insights.commandline`).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from bot.answer import render_text, to_json
from bot.engine import Engine
from bot.errors import FAQError, FAQLoadError
from bot.evaluate import Labelled, Report, compare, evaluate, load_labelled, reply, score_table
from bot.faq import FAQ, NOT_COVERED_FILE
from bot.insights import commandline as insights
from bot.readability import HARD_EASE, HARD_GRADE, SCALES, TARGET_GRADE


def _add_faq_options(parser: argparse.ArgumentParser) -> None:
    """The options every command that loads a FAQ shares."""
    parser.add_argument("--faq", type=Path, help="FAQ folder (default: $FAQ_DIR, ./faq, or the shipped FAQ)")
    parser.add_argument("--seeds", type=Path, help="seed folder (default: seeds/ beside the FAQ folder)")


def build_parser() -> argparse.ArgumentParser:
    """Describe every subcommand."""
    parser = argparse.ArgumentParser(
        prog="faqbot",
        description="Short, cited answers from a reviewed FAQ. Legal information, not legal advice.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ask = commands.add_parser("ask", help="answer one question (or one per line from stdin with '-')")
    ask.add_argument("question", help="the question, or '-' to read one question per line from stdin")
    ask.add_argument("--json", action="store_true", help="print JSON (one object per line with '-')")
    ask.add_argument("--lang", help="reply language (e.g. en, es); default: the question's language")
    _add_faq_options(ask)

    repl = commands.add_parser("repl", help="ask questions interactively")
    repl.add_argument("--lang", help="reply language (e.g. en, es)")
    _add_faq_options(repl)

    check = commands.add_parser("check", help="validate the FAQ and the grounding of every quote")
    check.add_argument("--coverage", action="store_true", help="also list seed sections no entry cites")
    check.add_argument(
        "--confusions",
        action="store_true",
        help="also list phrasings that read closer to another entry (or a not-covered subject) than to their own,"
        " and phrasings made only of common words",
    )
    check.add_argument(
        "--readability",
        action="store_true",
        help=f"also report how hard the answers are to read (aim: about grade {TARGET_GRADE:g}) and list the English"
        f" ones above grade {HARD_GRADE:g} and the Spanish ones under reading ease {HARD_EASE:g}",
    )
    _add_faq_options(check)

    ev = commands.add_parser("eval", help="score the matcher on a labelled question file")
    ev.add_argument("file", type=Path, help="labelled YAML file, e.g. tests/data/eval.yaml")
    ev.add_argument("--json", action="store_true", help="print the metrics as JSON")
    ev.add_argument("--scores", action="store_true", help="print the score histogram behind the thresholds")
    ev.add_argument("--misses", action="store_true", help="list every wrong answer and unhelpful reply")
    ev.add_argument(
        "--against",
        type=Path,
        metavar="DIR",
        help="also score the FAQ folder DIR (for example a copy from before your edit) and list every question"
        " whose reply differs",
    )
    _add_faq_options(ev)

    stats = commands.add_parser("stats", help="insights: most used answers, decision mix, answer rate per day")
    insights.add_arguments(stats, default_days=7)
    _add_faq_options(stats)
    gaps = commands.add_parser("gaps", help="insights: kept unanswered questions, grouped by similarity")
    insights.add_arguments(gaps, default_days=30)
    _add_faq_options(gaps)

    run = commands.add_parser("run", help="start the Discord bot (settings from the environment or .env)")
    _add_faq_options(run)

    sync = commands.add_parser("sync", help="register the slash commands with Discord once, then exit")
    sync.add_argument("--guild", type=int, metavar="ID", help="sync to one server (instant) instead of globally")
    _add_faq_options(sync)
    return parser


def _load(args: argparse.Namespace, err: TextIO, faq_dir: Path | None = None) -> Engine | None:
    """Load the engine (from ``faq_dir`` if given, else ``--faq``), or print every FAQ problem and return ``None``."""
    try:
        return Engine.load(faq_dir or args.faq, args.seeds)
    except FAQLoadError as exc:
        for problem in exc.errors:
            print(f"error: {problem}", file=err)
        print(f"{len(exc.errors)} problem(s); nothing was loaded.", file=err)
        return None


def _ask(engine: Engine, args: argparse.Namespace, out: TextIO, stdin: TextIO) -> int:
    """``faqbot ask``: one question, or a stream of them."""
    if args.lang and args.lang not in engine.faq.languages:
        print(f"error: no language pack for {args.lang!r} (have: {', '.join(engine.faq.languages)})", file=sys.stderr)
        return 2
    if args.question == "-":
        for line in stdin:
            answer = engine.ask(line.rstrip("\n"), lang=args.lang)
            out.write(
                json.dumps(to_json(answer), ensure_ascii=False) + "\n" if args.json else render_text(answer) + "\n\n"
            )
            out.flush()
        return 0
    answer = engine.ask(args.question, lang=args.lang)
    print(json.dumps(to_json(answer), ensure_ascii=False) if args.json else render_text(answer), file=out)
    return 0


def _repl(engine: Engine, args: argparse.Namespace, out: TextIO, stdin: TextIO) -> int:
    """``faqbot repl``: ask until end of input or ``:q``."""
    print(f"faqbot: {len(engine.faq.entries)} entries loaded. Ask a question (:q or Ctrl-D to quit).", file=out)
    while True:
        print("> ", end="", file=out, flush=True)
        line = stdin.readline()
        if not line or line.strip() in {":q", ":quit", "exit"}:
            print(file=out)
            return 0
        if line.strip():
            print(render_text(engine.ask(line.strip(), lang=args.lang)) + "\n", file=out)


def _check(engine: Engine, args: argparse.Namespace, out: TextIO) -> int:
    """``faqbot check``: the FAQ loaded, so report what it holds (and coverage)."""
    faq = engine.faq
    langs = ", ".join(
        f"{code} ({len([e for e in faq.entries if code in e.texts])}/{len(faq.entries)})" for code in faq.languages
    )
    quotes = sum(len(e.citations) for e in faq.entries)
    print(
        f"ok: {len(faq.entries)} entries, {quotes} quotes grounded in {len(faq.seeds)} seeds; languages: {langs}",
        file=out,
    )
    if faq.not_covered:
        print(f"not covered (declined by name): {len(faq.not_covered)} subjects in {NOT_COVERED_FILE}", file=out)
    use = engine.matcher.defining_word_use()
    if use:
        counts = ", ".join(f"{word} ({count} of {len(faq.entries)} entries)" for word, count in use.items())
        print(f"defining words: {counts}", file=out)
    for word in (word for word, count in use.items() if not count):
        print(f"warning: no entry uses the defining word {word!r}, so no question with it is answered", file=out)
    if args.confusions:
        found = engine.matcher.confusions()
        print(f"confusions: {len(found)} phrasing(s) read closer to another entry than to their own", file=out)
        for c in found:
            entry = faq.by_id[c.entry_id]
            scores = f"{c.rival_score} vs own {c.own_score}"
            print(f"  {entry.path.name}:{entry.line} [{c.entry_id}] {c.phrasing!r} -> {c.rival} ({scores})", file=out)
        vague = engine.matcher.vague_phrasings()
        print(f"vague: {len(vague)} phrasing(s) made only of words nearly every entry uses", file=out)
        for owner, phrasing in vague:
            print(f"  [{owner}] {phrasing!r}", file=out)
    if args.readability:
        _readability(faq, out)
    if args.coverage:
        missing = faq.uncovered_sections()
        for stem, heading in missing:
            print(f"uncovered: {stem}: {heading}", file=out)
        total = sum(s.coverage for seed in faq.seeds.values() for s in seed.sections.values())
        print(f"coverage: {total - len(missing)}/{total} sections cited", file=out)
        return 1 if missing else 0
    return 0


def _readability(faq: FAQ, out: TextIO) -> None:
    """``faqbot check --readability``: per language with a formula, the median figure and the hard answers.

    English is scored by grade (lower is easier), Spanish by reading ease
    (higher is easier), each by its own standard formula (see
    :mod:`bot.readability`). Advice, like ``--confusions``: it never fails the
    check, because a legal answer needs some long words that no rewording removes.
    """
    if not faq.entries:
        print("readability: no answers to measure", file=out)
        return
    for lang, scale in SCALES.items():
        scored = [(scale.read(e.texts[lang].answer), e) for e in faq.entries if lang in e.texts]
        if not scored:
            continue
        figures = [(scale.score(result), result, entry) for result, entry in scored]
        hard = [item for item in figures if scale.is_hard(item[0])]
        hard.sort(key=lambda item: item[0], reverse=scale.higher_is_harder)
        median = statistics.median(figure for figure, _, _ in figures)
        side = "above" if scale.higher_is_harder else "under"
        print(
            f"readability: {scale.language} median {scale.name} {median:.1f} of {len(figures)} answers ({scale.aim});"
            f" {len(hard)} {side} {scale.limit:g}",
            file=out,
        )
        for figure, result, entry in hard:
            sentence = f"{result.words_per_sentence:.0f} words a sentence"
            print(f"  {entry.path.name}:{entry.line} [{entry.id}] {scale.name} {figure:.1f} ({sentence})", file=out)


def _eval(engine: Engine, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """``faqbot eval``: metrics, overall and per language."""
    try:
        items = load_labelled(args.file, engine.faq.by_id)
    except FAQError as exc:
        print(f"error: {exc}", file=err)
        return 2
    report = evaluate(engine, items)
    table = {"all": report.metrics(), **{lang: report.metrics(lang) for lang in report.languages()}}
    if args.json:
        print(json.dumps(table), file=out)
    else:
        keys = list(table["all"])
        print(f"{'':26}" + "".join(f"{name:>10}" for name in table), file=out)
        for key in keys:
            print(f"{key:26}" + "".join(f"{row[key]:>10}" for row in table.values()), file=out)
    if args.scores:
        print("\n".join(score_table(report)), file=out)
    if args.misses:
        for o in report.outcomes:
            if o.wrong or (o.item.expect and not o.helpful):
                label = "WRONG" if o.wrong else "MISS "
                expected = sorted(o.item.expect)
                print(f"{label} {reply(o):48} {o.top_score:5} expect={expected} {o.item.q!r}", file=out)
    if args.against:
        return _against(report, items, args, out, err)
    return 0


def _against(report: Report, items: list[Labelled], args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """``faqbot eval --against DIR``: what moved from the FAQ in DIR to this one, question by question."""
    other = _load(args, err, args.against)
    if other is None:
        return 1
    moved, changes = compare(evaluate(other, items), report)
    counts = ", ".join(f"{name} {value:+d}" for name, value in moved.items())
    print(f"\nagainst {args.against}: {counts}; {len(changes)} of {len(items)} replies differ", file=out)
    for change in changes:
        print(f"{change.verdict:7} {reply(change.before)} -> {reply(change.after)}  {change.after.item.q!r}", file=out)
    return 0


def _discord(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """``faqbot run`` and ``faqbot sync``: settings, then the FAQ, then the Discord layer (imported only here)."""
    from dataclasses import replace

    from bot.config import ConfigError, Settings, load_environment

    try:
        settings = Settings.from_env(load_environment())
    except ConfigError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=err)
        return 2
    args.faq, args.seeds = args.faq or settings.faq_dir, args.seeds or settings.seeds_dir
    settings = replace(settings, faq_dir=args.faq, seeds_dir=args.seeds)
    engine = _load(args, err)
    if engine is None:
        return 1

    from bot import client
    from bot.logsafe import configure_logging

    configure_logging(settings.log_level)
    if args.command == "run":
        return client.run(settings, engine, err)
    return client.sync(settings, engine, args.guild, out, err)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``faqbot`` and ``python -m bot``; returns the exit code."""
    args = build_parser().parse_args(argv)
    out, err = sys.stdout, sys.stderr
    if args.command in {"run", "sync"}:
        return _discord(args, out, err)
    if args.command in {"stats", "gaps"}:
        return insights.main(args, out, err)
    engine = _load(args, err)
    if engine is None:
        return 1
    if args.command == "ask":
        return _ask(engine, args, out, sys.stdin)
    if args.command == "repl":
        return _repl(engine, args, out, sys.stdin)
    if args.command == "check":
        return _check(engine, args, out)
    return _eval(engine, args, out, err)
