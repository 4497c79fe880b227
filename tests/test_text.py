"""Folding (for grounding) and normalisation (for matching)."""

from __future__ import annotations

from bot.text import Normalizer, fold, simplify, stem


def test_fold_forgives_case_space_typographic_quotes_and_dashes() -> None:
    assert fold("  It’s  a “dragnet” — case‑by‑case\n") == 'it\'s a "dragnet" - case-by-case'
    assert fold("ﬁle") == "file"  # NFKC


def test_fold_keeps_words_and_punctuation_that_change_meaning() -> None:
    assert fold("not required") != fold("required")
    assert fold("requests.") != fold("requests")


def test_simplify_strips_accents_punctuation_and_invisible_characters() -> None:
    assert simplify("¿La RETENCIÓN es obligatoria?") == "la retencion es obligatoria"
    assert simplify("287(g)") == "287 g"
    assert simplify("i\u200bce\u202e hold\x00") == "i ce hold"
    assert simplify("") == ""


def test_synonyms_apply_to_whole_words_longest_first() -> None:
    normalize = Normalizer({"detainer": ["ice hold", "hold"], "police": ["cops"], "287g": ["287 g"]}, stopwords=[])
    assert normalize("ICE hold?") == "detainer"
    assert normalize("the cops put a hold") == "the polic put a detainer"  # then stemmed (see stem)
    assert normalize("what is 287(g)") == "what is 287g"
    assert normalize("holder shop") == "holder shop"  # not inside words


def test_stop_words_are_dropped_unless_nothing_would_remain() -> None:
    normalize = Normalizer({}, stopwords=["the", "is", "what"])
    assert normalize("What is the FTCA") == "ftca"
    assert normalize("what is the") == "what is the"


def test_discord_markup_and_links_carry_no_words() -> None:
    mentions = "<@123456789012345678> <@!12> <@&34> <#56>"
    text = f"{mentions} is an <:ice:7890> <a:wave:12> hold <t:1700000000:R> https://x.org/a?b=1 ok"
    assert simplify(text) == "is an hold ok"
    assert simplify("a < b and 3 > 2") == "a b and 3 2"
    assert simplify("ice hold? @everyone @here") == "ice hold"
    assert simplify("mail me@here.org") == "mail me here org"


def test_plurals_fold_to_the_singular_but_not_words_that_only_end_in_s() -> None:
    plurals = ("detainers", "agentes", "arrests", "federales")
    assert [stem(w) for w in plurals] == ["detainer", "agent", "arrest", "federal"]
    assert [stem(w) for w in ("news", "always", "access", "status", "analysis", "ice")] == [
        "news",
        "always",
        "access",
        "status",
        "analysis",
        "ice",
    ]


def test_forms_of_one_verb_fold_together_and_short_words_keep_their_endings() -> None:
    assert {stem(w) for w in ("ignore", "ignores", "ignoring", "ignored")} == {"ignor"}
    assert {stem(w) for w in ("arrest", "arrested", "arresting")} == {"arrest"}
    assert [stem(w) for w in ("stopped", "grabbing", "calling", "businesses")] == ["stop", "grab", "call", "business"]
    assert [stem(w) for w in ("need", "sue", "cops", "thing", "bring")] == ["need", "sue", "cops", "thing", "bring"]
