"""Market data for a backtest: every ticker's bars read once, each session served its slice.

Why preload: a live snapshot asks the provider for 400 days of bars per ticker; asked once per
session over a year that is 252 re-reads and re-filters of the same history. Here each ticker's
bars are read once, as of the close of the last session (the provider is never asked about a
moment after ``--end``, so the folder may hold the following years without any of it reaching
the backtest), and each session's read returns the bars whose session had closed by the
simulated clock: a bisect on the close instants, never a scan.

Fundamentals, news and insider trades are asked of the provider at each session's clock, where
the provider's own point-in-time contract (filing deadline, publication time) applies, and the
snapshot builder checks it again.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

from domain import Bar, FinancialMetrics, InsiderTrade, NewsItem
from tools.market_data.provider import MarketDataError, MarketDataProvider
from tools.market_data.sessions import NEW_YORK, nyse_sessions

__all__ = ["PreloadedMarketData"]


class _Series:
    """One ticker's bars with their session dates and close instants, oldest first."""

    __slots__ = ("bars", "closes_at", "days")

    def __init__(self, bars: Sequence[Bar]) -> None:
        table = nyse_sessions()
        ordered = sorted(bars, key=lambda b: b.ts)
        self.bars = tuple(ordered)
        self.days = tuple(b.ts.astimezone(NEW_YORK).date() for b in ordered)
        self.closes_at = tuple(table.close_at(d) for d in self.days)


class PreloadedMarketData:
    """A ``MarketDataProvider`` over bars preloaded through ``through``; other kinds delegate."""

    answers_from_memory = True
    """The snapshot builder reads it in one thread: the bars are in memory, and the other kinds
    come from the source the host named, asked once per session (threads bought nothing here but
    a thread start per ticker per session)."""

    def __init__(
        self,
        inner: MarketDataProvider,
        tickers: Sequence[str],
        *,
        first: date,
        through: datetime,
    ) -> None:
        self.name = inner.name
        self._inner = inner
        self._through = through
        self._series: dict[str, _Series] = {}
        self._errors: dict[str, MarketDataError] = {}
        for ticker in dict.fromkeys(tickers):
            try:
                self._series[ticker] = _Series(inner.bars(ticker, start=first, as_of=through))
            except MarketDataError as exc:  # answered again at every read, like the provider
                self._errors[ticker] = exc

    def _of(self, ticker: str) -> _Series:
        series = self._series.get(ticker)
        if series is None:
            raise self._errors.get(ticker) or MarketDataError(
                self.name, f"{ticker} was not preloaded for this backtest"
            )
        return series

    def histories(self) -> list[tuple[Bar, ...]]:
        """Every preloaded ticker's bars (for ``bar_series.indexed``: each session's window is a
        slice of one of these, the very same bar objects)."""
        return [series.bars for series in self._series.values()]

    def has_bars(self, ticker: str) -> bool:
        series = self._series.get(ticker)
        return series is not None and bool(series.bars)

    def bars(self, ticker: str, *, start: date, as_of: datetime) -> list[Bar]:
        """Bars from ``start`` whose session had closed by ``as_of``."""
        if as_of.tzinfo is None:
            raise ValueError("as_of must be timezone-aware")
        if as_of > self._through:
            raise MarketDataError(self.name, f"{as_of} is after the backtest's last close")
        series = self._of(ticker)
        first = bisect_left(series.days, start)
        last = bisect_right(series.closes_at, as_of)
        return list(series.bars[first:last])

    def bar_on(self, ticker: str, day: date) -> Bar | None:
        """The ticker's bar of session ``day``, or ``None`` (no file, or no row that day)."""
        series = self._series.get(ticker)
        if series is None:
            return None
        i = bisect_left(series.days, day)
        if i < len(series.days) and series.days[i] == day:
            return series.bars[i]
        return None

    def last_close(self, ticker: str, as_of: datetime) -> Decimal | None:
        """The close of the last session that had closed by ``as_of`` (what a mark may know)."""
        series = self._series.get(ticker)
        if series is None:
            return None
        i = bisect_right(series.closes_at, as_of)
        return Decimal(str(round(series.bars[i - 1].close, 4))) if i else None

    def financial_metrics(
        self, ticker: str, *, as_of: datetime, limit: int = 8
    ) -> list[FinancialMetrics]:
        return self._inner.financial_metrics(ticker, as_of=as_of, limit=limit)

    def news(self, ticker: str, *, as_of: datetime, limit: int = 50) -> list[NewsItem]:
        return self._inner.news(ticker, as_of=as_of, limit=limit)

    def insider_trades(
        self, ticker: str, *, as_of: datetime, limit: int = 50
    ) -> list[InsiderTrade]:
        return self._inner.insider_trades(ticker, as_of=as_of, limit=limit)
