"""A caching layer in front of one network provider, point in time and collision-free.

Why keys carry the effective ``as_of``: a cached answer may only be reused for a request that
would get the same answer. Bars depend only on which sessions had closed, so their key (and the
``as_of`` passed to the provider) is the close of the last closed session: every request between
two closes shares one entry. Metrics, news and insider trades depend on the exact instant, so
their ``as_of`` is floored to ``as_of_granularity`` (flooring asks the provider about a slightly
earlier instant, which can never leak the future) and that floored instant is in the key.

A cache outage is not a data outage: ``CacheUnavailableError`` is recorded (counter and log) and
the request goes to the provider. Errors from the provider are never cached.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from threading import Lock
from typing import Any, TypeVar

from pydantic import TypeAdapter

from domain import Bar, FinancialMetrics, InsiderTrade, LineItems, NewsItem
from tools.cache import CacheStore, CacheUnavailableError, cache_key
from tools.market_data.composite import DataKind
from tools.market_data.provider import MarketDataError, MarketDataProvider
from tools.market_data.sessions import nyse_sessions
from tools.observability import report

__all__ = ["DEFAULT_TTL_SECONDS", "CachedMarketData"]

log = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_TTL_SECONDS: Mapping[DataKind, float] = {
    DataKind.BARS: 3600.0,
    DataKind.METRICS: 6 * 3600.0,
    DataKind.NEWS: 300.0,
    DataKind.INSIDER_TRADES: 3600.0,
    DataKind.LINE_ITEMS: 6 * 3600.0,
    DataKind.COMPANY_FACTS: 24 * 3600.0,
    DataKind.QUOTES: 5.0,
}

_ADAPTERS: dict[DataKind, TypeAdapter[Any]] = {
    DataKind.BARS: TypeAdapter(list[Bar]),
    DataKind.METRICS: TypeAdapter(list[FinancialMetrics]),
    DataKind.NEWS: TypeAdapter(list[NewsItem]),
    DataKind.INSIDER_TRADES: TypeAdapter(list[InsiderTrade]),
    DataKind.LINE_ITEMS: TypeAdapter(list[LineItems]),
}


def _floor(as_of: datetime, step: timedelta) -> datetime:
    epoch = datetime(2000, 1, 1, tzinfo=UTC)
    utc = as_of.astimezone(UTC)
    return epoch + ((utc - epoch) // step) * step


class CachedMarketData:
    """``MarketDataProvider`` that answers from ``store`` when it can, else from ``inner``."""

    def __init__(
        self,
        inner: MarketDataProvider,
        store: CacheStore,
        *,
        ttl_seconds: Mapping[DataKind, float] | None = None,
        namespace: str = "hedgegraph:md",
        as_of_granularity: timedelta = timedelta(minutes=1),
    ) -> None:
        self.inner = inner
        self.name = inner.name
        self.store = store
        self._ttl = {**DEFAULT_TTL_SECONDS, **(ttl_seconds or {})}
        self._namespace = namespace
        self._step = as_of_granularity
        self._lock = Lock()
        self.hits = 0
        self.misses = 0
        self.cache_errors = 0

    def _cached(
        self, kind: DataKind, ticker: str, params: dict[str, Any], fetch: Callable[[], list[T]]
    ) -> list[T]:
        key = cache_key(self._namespace, self.inner.name, kind.value, ticker.upper(), params)
        adapter = _ADAPTERS[kind]
        try:
            raw = self.store.get(key)
        except CacheUnavailableError as exc:
            self._record_cache_error("read", exc)
            raw = None
        report.cache_lookup("market_data", hit=raw is not None)
        if raw is not None:
            with self._lock:
                self.hits += 1
            value: list[T] = adapter.validate_json(raw)
            return value
        with self._lock:
            self.misses += 1
        answer = fetch()
        try:
            self.store.set(key, adapter.dump_json(answer), ttl_seconds=self._ttl[kind])
        except CacheUnavailableError as exc:
            self._record_cache_error("write", exc)
        return answer

    def _record_cache_error(self, op: str, exc: CacheUnavailableError) -> None:
        with self._lock:
            self.cache_errors += 1
        log.warning("market-data cache %s failed, asking %s directly: %s", op, self.name, exc)

    def bars(self, ticker: str, *, start: date, as_of: datetime) -> list[Bar]:
        table = nyse_sessions()
        last = table.last_closed(as_of)
        if last is None:
            return self.inner.bars(ticker, start=start, as_of=as_of)
        closed_at = table.close_at(last)
        return self._cached(
            DataKind.BARS,
            ticker,
            {"start": start, "as_of": closed_at},
            lambda: self.inner.bars(ticker, start=start, as_of=closed_at),
        )

    def financial_metrics(
        self, ticker: str, *, as_of: datetime, limit: int = 8
    ) -> list[FinancialMetrics]:
        floored = _floor(as_of, self._step)
        return self._cached(
            DataKind.METRICS,
            ticker,
            {"as_of": floored, "limit": limit},
            lambda: self.inner.financial_metrics(ticker, as_of=floored, limit=limit),
        )

    def news(self, ticker: str, *, as_of: datetime, limit: int = 50) -> list[NewsItem]:
        floored = _floor(as_of, self._step)
        return self._cached(
            DataKind.NEWS,
            ticker,
            {"as_of": floored, "limit": limit},
            lambda: self.inner.news(ticker, as_of=floored, limit=limit),
        )

    def insider_trades(
        self, ticker: str, *, as_of: datetime, limit: int = 50
    ) -> list[InsiderTrade]:
        floored = _floor(as_of, self._step)
        return self._cached(
            DataKind.INSIDER_TRADES,
            ticker,
            {"as_of": floored, "limit": limit},
            lambda: self.inner.insider_trades(ticker, as_of=floored, limit=limit),
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
        """Cached pass-through to ``inner.line_items`` (Financial Datasets)."""
        fetch_line_items = getattr(self.inner, "line_items", None)
        if fetch_line_items is None:
            raise MarketDataError(self.name, "this provider has no line items")
        floored = _floor(as_of, self._step)
        params = {"names": list(names), "as_of": floored, "period": period, "limit": limit}
        return self._cached(
            DataKind.LINE_ITEMS,
            ticker,
            params,
            lambda: list(
                fetch_line_items(ticker, names, as_of=floored, period=period, limit=limit)
            ),
        )
