"""Scenario table for the data-quality checks: each issue is found, and clean data passes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from domain import Bar, DataIssue, NewsItem
from tools.market_data.quality import assess, check_future_dated
from tools.market_data.sessions import nyse_sessions


def _bars(start: date, end: date, skip: frozenset[date] = frozenset()) -> list[Bar]:
    table = nyse_sessions()
    return [
        Bar(ts=table.open_at(d), open=100.0, high=101.0, low=99.0, close=100.5, volume=1e6)
        for d in table.between(start, end)
        if d not in skip
    ]


AS_OF = datetime(2024, 3, 8, 22, 0, tzinfo=UTC)  # Friday after the close
CLEAN = _bars(date(2024, 1, 2), date(2024, 3, 8))


def _with(bars: list[Bar], index: int, **change: float) -> list[Bar]:
    out = list(bars)
    out[index] = out[index].model_copy(update=change)
    return out


@pytest.mark.parametrize(
    ("bars", "expected"),
    [
        (CLEAN, ()),
        ([], (DataIssue.NO_BARS,)),
        (
            _bars(date(2024, 1, 2), date(2024, 3, 8), frozenset({date(2024, 2, 5)})),
            (DataIssue.MISSING_SESSIONS,),
        ),
        (_with(CLEAN, 10, low=100.8), (DataIssue.OHLC_VIOLATION,)),
        (_with(CLEAN, 10, high=99.5), (DataIssue.OHLC_VIOLATION,)),
        (_with(CLEAN, 10, low=0.0), (DataIssue.NON_POSITIVE_PRICE,)),
        (_bars(date(2024, 1, 2), date(2024, 3, 5)), (DataIssue.STALE_LAST_BAR,)),
        (_bars(date(2024, 1, 2), date(2024, 3, 7)), ()),  # one session of lag is tolerated
    ],
    ids=["clean", "empty", "gap", "low-above-close", "high-below-open", "zero", "stale", "lag-1"],
)
def test_bar_checks(bars: list[Bar], expected: tuple[DataIssue, ...]) -> None:
    quality = assess(bars, as_of=AS_OF)
    assert quality.issues == expected
    assert quality.tradable is (not expected)
    assert len(quality.detail) == len(expected)


def test_holidays_are_not_missing_sessions() -> None:
    bars = _bars(date(2023, 12, 20), date(2024, 1, 5))  # spans Christmas and New Year
    assert assess(bars, as_of=datetime(2024, 1, 5, 22, tzinfo=UTC)).issues == ()


def test_future_dated_records_are_reported() -> None:
    future_news = NewsItem(
        ticker="AAPL", title="t", source="s", published_at=AS_OF + timedelta(minutes=1)
    )
    bar_next_monday = _bars(date(2024, 3, 11), date(2024, 3, 11))
    finding = check_future_dated(as_of=AS_OF, bars=bar_next_monday, news=[future_news])
    assert finding is not None
    assert finding[0] is DataIssue.FUTURE_DATED and "2 record(s)" in finding[1]
    assert check_future_dated(as_of=AS_OF, bars=CLEAN) is None


def test_bars_outside_the_calendar_window_do_not_crash_the_checks() -> None:
    table = nyse_sessions()
    old = [
        Bar(ts=table.open_at(d), open=1.0, high=1.0, low=1.0, close=1.0, volume=1.0)
        for d in (date(1989, 12, 28), date(1989, 12, 29), date(1990, 1, 2), date(1990, 1, 3))
    ]
    quality = assess(old, as_of=datetime(1990, 1, 3, 22, tzinfo=UTC))
    assert quality.issues == ()


def test_a_bar_is_judged_by_its_own_facts_even_when_an_entry_holds_its_id() -> None:
    """The per-bar memo is found by ``id``: an entry left by another object under the same id
    (an id the collector gave out again) must not answer for this bar."""
    from tools.market_data import quality

    bad = CLEAN[10].model_copy(update={"low": 0.0})
    quality._FACTS[id(bad)] = quality._facts(CLEAN[10])._replace(bar=CLEAN[10])
    try:
        found = assess([*CLEAN[:10], bad, *CLEAN[11:]], as_of=AS_OF)
    finally:
        quality._FACTS.pop(id(bad), None)
    assert found.issues == (DataIssue.NON_POSITIVE_PRICE,)
