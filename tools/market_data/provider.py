"""The one interface every analyst's data comes through.

Each call carries ``as_of``: a provider must return nothing that became public after it (bars
after the as-of session, news published later, metrics or insider trades filed later). Backtests
rely on this; the point-in-time tests enforce it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol, runtime_checkable

from domain import Bar, FinancialMetrics, InsiderTrade, NewsItem

__all__ = [
    "MarketDataError",
    "MarketDataProvider",
    "TickerNotFoundError",
    "UnsupportedDataError",
]


class MarketDataError(Exception):
    """A provider could not answer; carries which provider and why. Never means 'no data'."""

    def __init__(self, provider: str, message: str) -> None:
        super().__init__(f"{provider}: {message}")
        self.provider = provider


class TickerNotFoundError(MarketDataError):
    """The provider does not know the ticker."""


class UnsupportedDataError(MarketDataError):
    """The provider has no such kind of data at all (e.g. Alpaca has no fundamentals).

    Distinct from an empty answer: a fallback chain moves on to the next provider.
    """


@runtime_checkable
class MarketDataProvider(Protocol):
    name: str

    def bars(self, ticker: str, *, start: date, as_of: datetime) -> list[Bar]:
        """Daily bars from ``start`` through the last session completed at ``as_of``."""
        ...

    def financial_metrics(
        self, ticker: str, *, as_of: datetime, limit: int = 8
    ) -> list[FinancialMetrics]:
        """Most recent first; only periods whose filing is public at ``as_of``."""
        ...

    def news(self, ticker: str, *, as_of: datetime, limit: int = 50) -> list[NewsItem]:
        """Most recent first; only items published at or before ``as_of``."""
        ...

    def insider_trades(
        self, ticker: str, *, as_of: datetime, limit: int = 50
    ) -> list[InsiderTrade]:
        """Most recent first; only trades filed at or before ``as_of``."""
        ...
