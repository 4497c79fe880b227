"""The scrubber removes everything that could point at a person, and keeps the gist."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.insights.scrub import MAX_SCRUBBED_CHARS, scrub

SIX_DIGITS = re.compile(r"\d{6,}")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "my A-number is A123456789, call me at 555-123-4567, <@123456789012345678> email x@y.com",
            "my A-number is [a-number], call me at [phone], [mention] email [email]",
        ),
        ("mentions <@123> <@!456> <@&789> <#1011> @everyone @here", "mentions " + " ".join(["[mention]"] * 6)),
        ("emoji <:wave:123456789012345678> and <a:dance:98765432101234567>", "emoji [mention] and [mention]"),
        ("ask @maria.lopez about it", "ask [mention] about it"),
        ("see https://example.org/a?b=1 or www.ice.gov or uscis.gov/forms", "see [link] or [link] or [link]"),
        ("A 123-456-789 and a12345678 and A#098765432", "[a-number] and [a-number] and [a-number]"),
        ("(555) 123 4567 or +1 555 123 4567 or 5551234567", "[phone] or [phone] or [phone]"),
        ("receipt IOE0912345678", "receipt IOE[phone]"),
        ("case 123456", "case [number]"),
        ("My name is Maria Lopez and ICE came to my house", "My name is [name] and ICE came to my house"),
        ("me llamo Juan Perez Garcia, tengo miedo", "me llamo [name], tengo miedo"),
        ("mi nombre es Ana y necesito ayuda", "mi nombre es [name] y necesito ayuda"),
        ("what is   the\n48 hour\trule?", "what is the 48 hour rule?"),
        ("¿qué pasa con el I-130 y el I-485?", "¿qué pasa con el I-130 y el I-485?"),
        ("hidden 1\u200b2\u200b3\u200b4\u200b5\u200b6 digits", "hidden [number] digits"),
        ("fullwidth １２３４５６７８９", "fullwidth [phone]"),
    ],
)
def test_examples(raw: str, expected: str) -> None:
    assert scrub(raw) == expected


def test_questions_without_personal_data_are_unchanged() -> None:
    for question in ["Can ICE enter my home without a warrant?", "¿Tengo que abrir la puerta?", "what is a detainer"]:
        assert scrub(question) == question


def test_length_is_capped() -> None:
    text = scrub("why " * 200)
    assert len(text) == MAX_SCRUBBED_CHARS
    assert text.endswith("…")


snowflakes = st.integers(min_value=10**16, max_value=10**20 - 1).map(str)
emails = st.from_regex(r"[a-z]{1,8}@[a-z]{1,8}\.(com|org|mx)", fullmatch=True)
phones = st.from_regex(r"\(?[2-9]\d\d\)?[ .-]?\d{3}[ .-]?\d{4}", fullmatch=True)
a_numbers = st.from_regex(r"A-?\d{8,9}", fullmatch=True)
mentions = snowflakes.flatmap(lambda s: st.sampled_from([f"<@{s}>", f"<@!{s}>", f"<@&{s}>", f"<#{s}>"]))
secrets_ = st.one_of(snowflakes, emails, phones, a_numbers, mentions)
filler = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(before=filler, secret=secrets_, after=filler)
def test_no_identifier_survives_in_any_context(before: str, secret: str, after: str) -> None:
    out = scrub(f"{before} {secret} {after}")
    assert not SIX_DIGITS.search(out)
    assert secret not in out
    digits = re.sub(r"\D", "", secret)
    if len(digits) >= 6:
        assert digits not in re.sub(r"\D", "", out)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.text(max_size=400))
def test_output_is_bounded_idempotent_and_free_of_long_digit_runs(text: str) -> None:
    out = scrub(text)
    assert len(out) <= MAX_SCRUBBED_CHARS
    assert not SIX_DIGITS.search(out)
    assert "\n" not in out and "  " not in out
    assert scrub(out) == out
