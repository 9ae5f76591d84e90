"""``valid_bars``: its one-comparison form answers as the isfinite form did, and its memory of
the last tuple never answers for other bars.

Why here: the backtest made ``valid_bars`` faster (every strategy and analyst checks the same
snapshot's bars at every session); a faster check that let one bad print through would change
a decision.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from itertools import product

import pytest

from agents.strategies._indicators import valid_bars
from domain import Bar

T0 = datetime(2024, 3, 5, 14, 30, tzinfo=UTC)
VALUES = (1.0, 0.0, -1.0, math.nan, math.inf, -math.inf, 1e-300, 5e307)


def _bars(**bad: float) -> tuple[Bar, ...]:
    """Three good bars, the last one with the ``bad`` fields."""
    good = {"open": 10.0, "high": 11.0, "low": 9.0, "close": 10.5, "volume": 100.0}
    bars = [Bar(ts=T0 + timedelta(days=i), **good) for i in range(2)]
    bars.append(Bar(ts=T0 + timedelta(days=2), **{**good, **bad}))
    return tuple(bars)


def _by_isfinite(bars: tuple[Bar, ...]) -> bool:
    """The definition the check had before it was made faster."""
    for bar in bars:
        for value in (bar.open, bar.high, bar.low, bar.close):
            if not math.isfinite(value) or value <= 0:
                return False
        if not math.isfinite(bar.volume) or bar.volume < 0:
            return False
    return True


@pytest.mark.parametrize(("field", "value"), list(product(("open", "low", "close"), VALUES)))
def test_a_price_is_valid_exactly_when_finite_and_positive(field: str, value: float) -> None:
    bars = _bars(**{field: value})
    assert valid_bars(bars) is _by_isfinite(bars) is (math.isfinite(value) and value > 0)


@pytest.mark.parametrize("value", VALUES)
def test_a_volume_is_valid_exactly_when_finite_and_not_negative(value: float) -> None:
    bars = _bars(volume=value)
    assert valid_bars(bars) is _by_isfinite(bars) is (math.isfinite(value) and value >= 0)


def test_the_remembered_answer_is_for_that_tuple_only() -> None:
    good, bad = _bars(), _bars(high=math.nan)
    assert valid_bars(good) is True
    assert valid_bars(bad) is False  # a different tuple right after is checked, not remembered
    assert valid_bars(good) is True
    equal_copy = tuple(list(bad))
    assert valid_bars(equal_copy) is False


def test_a_list_is_checked_again_after_it_changed() -> None:
    bars = list(_bars())
    assert valid_bars(bars) is True
    bars.append(_bars(close=-1.0)[-1])
    assert valid_bars(bars) is False
    bars.pop()
    assert valid_bars(bars) is True
