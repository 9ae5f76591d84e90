"""The number check: a draft's numbers must be ones the tools returned, at the written precision."""

from __future__ import annotations

from mazo_bridge.evidence import numbers_in, unanswered_parts, unsupported_numbers

TOOL = '{"last_close": 283.54, "change_pct": 8.33, "net_margin": 0.0833, "net_shares": -246039}'


def test_numbers_at_the_precision_written_are_supported() -> None:
    draft = ["closed at 283.54 (about 284), up 8.3% over 60 sessions", "net margin 8.33%"]
    assert unsupported_numbers(draft, [TOOL, "over 60 sessions?"]) == []


def test_a_number_no_tool_returned_is_reported() -> None:
    draft = ["closed at 283.54 with a price target of 350 and margin 9.1%"]
    assert unsupported_numbers(draft, [TOOL]) == ["350", "9.1%"]


def test_rounding_must_be_honest() -> None:
    # 283.54 written as 283.6 is not a rounding of it
    assert unsupported_numbers(["close 283.6"], [TOOL]) == ["283.6"]
    assert unsupported_numbers(["insiders net -246,039 shares"], [TOOL]) == []


def test_tokens_inside_words_are_not_numbers() -> None:
    assert numbers_in("Q2 results, 10-K filed, AAPL3 and 4.5%") == ["4.5%"]


def test_parts_without_an_answer_are_listed() -> None:
    parts = ["how did AAPL trade", "what do insiders do"]
    assert unanswered_parts(parts, {0: "up 8 %", 1: "  "}) == ["what do insiders do"]
    assert unanswered_parts(parts, {0: "a", 1: "b"}) == []
