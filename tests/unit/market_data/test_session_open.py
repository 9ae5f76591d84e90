"""The gate's market-hours answer comes from the one pinned session table and matches the exchange.

Cases are the instants where a naive check goes wrong: a holiday, an early close, the open and close
boundaries, a weekend; the expected answers are exchange-calendars' own minute-level verdicts.
"""

from __future__ import annotations

import warnings
from datetime import UTC, datetime

import exchange_calendars as xcals
import pandas as pd
import pytest

from graph.risk.market_hours import exchange_open_at

INSTANTS = [
    datetime(2025, 7, 4, 15, 0, tzinfo=UTC),  # Independence Day: closed
    datetime(2025, 7, 3, 16, 59, tzinfo=UTC),  # early close day, 12:59 New York: open
    datetime(2025, 7, 3, 17, 0, tzinfo=UTC),  # 13:00 New York on the early close: closed
    datetime(2025, 9, 15, 13, 29, tzinfo=UTC),  # one minute before the open: closed
    datetime(2025, 9, 15, 13, 30, tzinfo=UTC),  # the open: open
    datetime(2025, 9, 15, 19, 59, tzinfo=UTC),  # last minute: open
    datetime(2025, 9, 15, 20, 0, tzinfo=UTC),  # the close: closed
    datetime(2025, 9, 13, 15, 0, tzinfo=UTC),  # Saturday: closed
    datetime(2024, 11, 29, 18, 30, tzinfo=UTC),  # day after Thanksgiving, after the 13:00 close
]


@pytest.fixture(scope="module")
def calendar() -> xcals.ExchangeCalendar:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return xcals.get_calendar("XNYS", start="2020-01-02", end="2030-12-31")


@pytest.mark.parametrize("at", INSTANTS, ids=lambda at: at.isoformat())
def test_open_matches_the_exchange_calendar(at: datetime, calendar: xcals.ExchangeCalendar) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = bool(calendar.is_open_on_minute(pd.Timestamp(at), ignore_breaks=True))
    assert exchange_open_at(at) is expected


def test_outside_the_pinned_window_is_closed() -> None:
    assert exchange_open_at(datetime(2050, 3, 1, 15, 0, tzinfo=UTC)) is False


def test_naive_instant_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        exchange_open_at(datetime(2025, 9, 15, 15, 0))
