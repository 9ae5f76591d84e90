"""The snapshot builder's faster paths answer exactly as before.

- the public bars are found by a bisect over the sorted bars instead of one close look-up per
  bar, and the late ones (which alone can leak) by their timestamp: the same bars, in the same
  order, for unsorted input, future bars, bars dated on a weekend or holiday and an ``as_of``
  at, before and after a close; the leak finding names the same bars in the same order;
- a provider that answers from memory (the backtest's preloaded bars) is read in the calling
  thread, any other one in the snapshot's worker threads, and both give the same snapshot.
"""

from __future__ import annotations

import random
import threading
from datetime import UTC, date, datetime, time, timedelta

import pytest

from domain import Bar, FinancialMetrics, InsiderTrade, NewsItem
from tools.market_data.quality import check_future_dated
from tools.market_data.sessions import NEW_YORK, nyse_sessions
from tools.market_data.snapshot import _split, build_snapshot


def _bar_on(day: date, price: float = 100.0) -> Bar:
    ts = datetime.combine(day, time(9, 30), NEW_YORK).astimezone(UTC)
    return Bar(ts=ts, open=price, high=price + 1, low=price - 1, close=price, volume=1000)


def _by_each_bar(bars: list[Bar], as_of: datetime) -> tuple[list[Bar], list[Bar]]:
    """The definition before: filter every bar on its close, then sort the public ones."""
    table = nyse_sessions()

    def closed(b: Bar) -> bool:
        return table.close_at(b.ts.astimezone(NEW_YORK).date()) <= as_of

    return sorted((b for b in bars if closed(b)), key=lambda b: b.ts), [
        b for b in bars if not closed(b)
    ]


CALENDAR_DAYS = [date(2022, 11, 1) + timedelta(days=i) for i in range(60)]  # weekends, Thanksgiving


def _as_ofs() -> list[datetime]:
    table = nyse_sessions()
    moments = []
    for day in table.between(date(2022, 11, 1), date(2022, 12, 30)):
        close = table.close_at(day)  # the day after Thanksgiving closes early
        moments += [close, close - timedelta(microseconds=1), close + timedelta(hours=1)]
    moments.append(datetime(2022, 11, 26, 18, 0, tzinfo=UTC))  # a Saturday
    return moments


@pytest.mark.parametrize("seed", range(5))
def test_public_bars_are_those_of_the_per_bar_filter(seed: int) -> None:
    rng = random.Random(seed)
    bars = [_bar_on(d, 100 + i) for i, d in enumerate(CALENDAR_DAYS)]
    rng.shuffle(bars)
    for as_of in _as_ofs():
        want = _by_each_bar(bars, as_of)
        assert _split(bars, as_of=as_of) == want
        assert check_future_dated(as_of=as_of, bars=_split(bars, as_of=as_of)[1]) == (
            check_future_dated(as_of=as_of, bars=bars)
        )
    assert _split([], as_of=_as_ofs()[0]) == ([], [])


def test_equal_timestamps_keep_their_order() -> None:
    day = date(2022, 11, 2)
    first, second = _bar_on(day, 10.0), _bar_on(day, 20.0)
    as_of = nyse_sessions().close_at(day)
    assert _split([second, first], as_of=as_of) == ([second, first], [])
    assert _split([second, first], as_of=as_of - timedelta(seconds=1)) == ([], [second, first])


def test_naive_beside_aware_timestamps_are_looked_up_bar_by_bar() -> None:
    aware = _bar_on(date(2022, 11, 2))
    naive = aware.model_copy(update={"ts": datetime(2022, 11, 3, 14, 30)})
    as_of = nyse_sessions().close_at(date(2022, 11, 2))
    with pytest.raises(TypeError):  # as before: the public ones cannot be sorted together
        _split([aware, naive, aware], as_of=as_of + timedelta(days=5))
    # Before, one of them late: the public ones sort, the late one is reported.
    public, late = _split([naive, aware], as_of=as_of)
    assert public == [aware] and late == _by_each_bar([naive, aware], as_of)[1]


class _Bars:
    """A provider over fixed bars that notes the thread of every read."""

    name = "fixed"

    def __init__(self) -> None:
        self.threads: set[str] = set()
        self.bars_by_ticker = {
            t: [_bar_on(d, 50 + i + n) for i, d in enumerate(CALENDAR_DAYS)]
            for n, t in enumerate(("AAA", "BBB", "CCC"))
        }

    def bars(self, ticker: str, *, start: date, as_of: datetime) -> list[Bar]:
        self.threads.add(threading.current_thread().name)
        return [b for b in self.bars_by_ticker[ticker] if b.ts.date() >= start]

    def financial_metrics(
        self, ticker: str, *, as_of: datetime, limit: int = 8
    ) -> list[FinancialMetrics]:
        return []

    def news(self, ticker: str, *, as_of: datetime, limit: int = 50) -> list[NewsItem]:
        return []

    def insider_trades(
        self, ticker: str, *, as_of: datetime, limit: int = 50
    ) -> list[InsiderTrade]:
        return []


class _InMemory(_Bars):
    answers_from_memory = True


class _Leaking(_InMemory):
    """Also returns the bars after ``as_of``, newest first (a broken provider)."""

    def bars(self, ticker: str, *, start: date, as_of: datetime) -> list[Bar]:
        return list(reversed(self.bars_by_ticker[ticker]))


def test_a_leak_is_reported_naming_the_late_bars_in_the_providers_order() -> None:
    as_of = nyse_sessions().close_at(date(2022, 11, 22))
    provider = _Leaking()
    snapshot = build_snapshot(provider, ["AAA"], as_of=as_of)
    data = snapshot.tickers["AAA"]
    everything = provider.bars("AAA", start=date(2000, 1, 1), as_of=as_of)
    leak = check_future_dated(as_of=as_of, bars=everything)
    assert leak is not None and leak[1].startswith(
        "38 record(s) after as_of dropped: bar 2022-12-30"
    )
    assert f"{leak[0].value}: {leak[1]}" in data.quality.detail
    assert not data.quality.tradable
    assert [b.ts for b in data.bars] == sorted(b.ts for b in everything if b.ts < as_of)


def test_a_provider_in_memory_is_read_in_the_callers_thread() -> None:
    as_of = nyse_sessions().close_at(date(2022, 12, 1)) + timedelta(hours=1)
    threaded, inline = _Bars(), _InMemory()
    a = build_snapshot(threaded, ["AAA", "BBB", "CCC"], as_of=as_of)
    b = build_snapshot(inline, ["AAA", "BBB", "CCC"], as_of=as_of)
    assert inline.threads == {threading.current_thread().name}
    assert threaded.threads and all(name.startswith("snapshot") for name in threaded.threads)
    assert a == b
    assert list(b.tickers) == ["AAA", "BBB", "CCC"]
    assert all(len(d.bars) == 31 for d in b.tickers.values())  # Nov 1 through Dec 1
