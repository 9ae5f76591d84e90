"""A fallback chain of providers that records which one answered each request.

Why fall back only on errors: an empty answer is data absence (the ticker has no insider trades),
and replacing it with another source's data would mix a real feed with, say, synthetic numbers.
A ``MarketDataError`` (outage, unknown ticker, unsupported kind) moves on to the next provider;
when all fail, ``AllProvidersFailedError`` carries every provider's reason.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from enum import StrEnum
from threading import Lock
from typing import Protocol, TypeVar, runtime_checkable

from domain import Bar, FinancialMetrics, InsiderTrade, LineItems, NewsItem
from tools.market_data.provider import (
    MarketDataError,
    MarketDataProvider,
    UnsupportedDataError,
)

__all__ = [
    "AllProvidersFailedError",
    "DataKind",
    "FallbackMarketData",
    "SourceAttributing",
]

T = TypeVar("T")


class DataKind(StrEnum):
    """The kinds of market data a provider serves (also the cache's TTL classes)."""

    BARS = "bars"
    METRICS = "metrics"
    NEWS = "news"
    INSIDER_TRADES = "insider_trades"
    LINE_ITEMS = "line_items"
    COMPANY_FACTS = "company_facts"
    QUOTES = "quotes"


@runtime_checkable
class SourceAttributing(Protocol):
    """A provider that can say which underlying source answered its last request for a ticker,
    and which sources failed before it (so a fallback is visible, never silent)."""

    def answered_by(self, kind: DataKind, ticker: str) -> str | None: ...

    def failed_before(self, kind: DataKind, ticker: str) -> tuple[str, ...]: ...


class AllProvidersFailedError(MarketDataError):
    """Every provider in the chain failed; ``failures`` maps provider name to its error."""

    def __init__(self, kind: DataKind, ticker: str, failures: dict[str, MarketDataError]) -> None:
        reasons = "; ".join(str(err) for err in failures.values())
        super().__init__("fallback", f"{kind.value} for {ticker}: all providers failed: {reasons}")
        self.failures = failures


class FallbackMarketData:
    """``MarketDataProvider`` that asks ``providers`` in order until one answers."""

    def __init__(self, providers: Sequence[MarketDataProvider]) -> None:
        if not providers:
            raise ValueError("a fallback chain needs at least one provider")
        self.providers = tuple(providers)
        self.name = ">".join(p.name for p in self.providers)
        self._answered: dict[tuple[DataKind, str], str] = {}
        self._skipped: dict[tuple[DataKind, str], tuple[str, ...]] = {}
        self._lock = Lock()

    def answered_by(self, kind: DataKind, ticker: str) -> str | None:
        """Name of the provider that answered the latest ``kind`` request for ``ticker``."""
        with self._lock:
            return self._answered.get((kind, ticker.upper()))

    def failed_before(self, kind: DataKind, ticker: str) -> tuple[str, ...]:
        """Errors of the providers tried before the one that answered the latest request."""
        with self._lock:
            return self._skipped.get((kind, ticker.upper()), ())

    def _first(self, kind: DataKind, ticker: str, ask: Callable[[MarketDataProvider], T]) -> T:
        failures: dict[str, MarketDataError] = {}
        for provider in self.providers:
            try:
                answer = ask(provider)
            except MarketDataError as exc:
                failures[provider.name] = exc
                continue
            inner = (
                provider.answered_by(kind, ticker)
                if isinstance(provider, SourceAttributing)
                else None
            )
            with self._lock:
                self._answered[(kind, ticker.upper())] = inner or provider.name
                self._skipped[(kind, ticker.upper())] = tuple(str(e) for e in failures.values())
            return answer
        raise AllProvidersFailedError(kind, ticker, failures)

    def bars(self, ticker: str, *, start: date, as_of: datetime) -> list[Bar]:
        return self._first(
            DataKind.BARS, ticker, lambda p: p.bars(ticker, start=start, as_of=as_of)
        )

    def financial_metrics(
        self, ticker: str, *, as_of: datetime, limit: int = 8
    ) -> list[FinancialMetrics]:
        return self._first(
            DataKind.METRICS,
            ticker,
            lambda p: p.financial_metrics(ticker, as_of=as_of, limit=limit),
        )

    def news(self, ticker: str, *, as_of: datetime, limit: int = 50) -> list[NewsItem]:
        return self._first(
            DataKind.NEWS, ticker, lambda p: p.news(ticker, as_of=as_of, limit=limit)
        )

    def insider_trades(
        self, ticker: str, *, as_of: datetime, limit: int = 50
    ) -> list[InsiderTrade]:
        return self._first(
            DataKind.INSIDER_TRADES,
            ticker,
            lambda p: p.insider_trades(ticker, as_of=as_of, limit=limit),
        )

    def line_items(
        self,
        ticker: str,
        names: Sequence[str],
        *,
        as_of: datetime,
        period: str = "ttm",
        limit: int = 4,
    ) -> list[LineItems]:
        """Statement line items from the first provider that has them (Financial Datasets)."""

        def ask(provider: MarketDataProvider) -> list[LineItems]:
            fetch = getattr(provider, "line_items", None)
            if fetch is None:
                raise UnsupportedDataError(provider.name, "no line items")
            answer: list[LineItems] = fetch(ticker, names, as_of=as_of, period=period, limit=limit)
            return answer

        return self._first(DataKind.LINE_ITEMS, ticker, ask)
