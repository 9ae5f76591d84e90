"""Retention ages as operators type them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from graph.retention import RetentionInputError, parse_age


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("30d", timedelta(days=30)),
        ("12h", timedelta(hours=12)),
        ("90m", timedelta(minutes=90)),
        ("2w", timedelta(weeks=2)),
        (" 7D ", timedelta(days=7)),
    ],
)
def test_valid_ages(text: str, age: timedelta) -> None:
    assert parse_age(text) == age


@pytest.mark.parametrize("text", ["", "d", "0d", "-3d", "3y", "1.5d", "thirty days"])
def test_invalid_ages_raise_a_typed_error(text: str) -> None:
    with pytest.raises(RetentionInputError):
        parse_age(text)
