"""Alpaca market data (bars, latest quotes) through alpaca-py's ``StockHistoricalDataClient``.

Why we wrap alpaca-py's transport: its REST client sends requests without a timeout and retries
429/504 with a fixed pause that ignores ``Retry-After``. We give its ``requests`` session a
default timeout, turn its own retries off, and retry with tenacity (backoff with jitter,
``Retry-After`` honoured) so every failure ends as a typed ``MarketDataError``. APCA_API_DATA_URL
reaches the client as ``url_override``, so tests point it at a local server.

Alpaca has no fundamentals, news sentiment or insider trades here: those calls raise
``UnsupportedDataError`` so a fallback chain asks the next provider.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime
from threading import Lock
from typing import Any, TypeVar

import requests
from alpaca.common.exceptions import APIError
from alpaca.data.enums import Adjustment, DataFeed
from alpaca.data.historical import StockHistoricalDataClient
from alpaca.data.requests import StockBarsRequest, StockLatestQuoteRequest
from alpaca.data.timeframe import TimeFrame
from pydantic import ValidationError
from tenacity import RetryCallState, Retrying, stop_after_attempt, wait_exponential_jitter

from domain import Bar, FinancialMetrics, InsiderTrade, NewsItem, Quote
from tools.market_data.provider import (
    MarketDataError,
    TickerNotFoundError,
    UnsupportedDataError,
)
from tools.market_data.sessions import NEW_YORK, nyse_sessions

__all__ = ["AlpacaDataAuthError", "AlpacaDataUnavailableError", "AlpacaMarketData"]

PROVIDER = "alpaca"
T = TypeVar("T")


class AlpacaDataAuthError(MarketDataError):
    """401/403 from the data API: keys wrong or the plan lacks this feed."""


class AlpacaDataUnavailableError(MarketDataError):
    """429, 5xx, timeouts or connection failures that outlasted every retry."""


class _TimeoutSession(requests.Session):
    """A ``requests`` session that never waits forever."""

    def __init__(self, timeout: float, on_request: Callable[[], None]) -> None:
        super().__init__()
        self._timeout = timeout
        self._on_request = on_request

    def request(self, method: str, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", self._timeout)
        self._on_request()
        return super().request(method, url, *args, **kwargs)


def _status(exc: BaseException) -> int | None:
    return exc.status_code if isinstance(exc, APIError) else None


class AlpacaMarketData:
    """``MarketDataProvider`` over Alpaca's historical stock data API.

    Args:
        api_key / secret_key: APCA_API_KEY_ID / APCA_API_SECRET_KEY.
        data_url: APCA_API_DATA_URL (``None`` = Alpaca's production data host).
        feed: ``iex`` (free plans) or ``sip``.
        timeout: Seconds per HTTP attempt.
        max_attempts / max_wait / sleep: retry policy, as in the Financial Datasets client.
    """

    name = "alpaca"

    def __init__(
        self,
        *,
        api_key: str,
        secret_key: str,
        data_url: str | None = None,
        feed: str = "iex",
        timeout: float = 20.0,
        max_attempts: int = 3,
        max_wait: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = StockHistoricalDataClient(
            api_key=api_key, secret_key=secret_key, url_override=data_url
        )
        self._client._retry_codes = []  # our tenacity policy retries instead
        self._client._session = _TimeoutSession(timeout, self._count)
        self._feed = DataFeed(feed)
        self._max_attempts = max_attempts
        self._max_wait = max_wait
        self._sleep = sleep
        self._backoff = wait_exponential_jitter(multiplier=0.5, max=max_wait, jitter=0.5)
        self._requests = 0
        self._lock = Lock()

    def _count(self) -> None:
        with self._lock:
            self._requests += 1

    @property
    def requests_made(self) -> int:
        """HTTP requests sent so far, retries included."""
        with self._lock:
            return self._requests

    @staticmethod
    def _retry_after(exc: BaseException | None) -> float | None:
        if isinstance(exc, APIError) and exc.response is not None:
            raw = exc.response.headers.get("Retry-After")
            try:
                return max(float(raw), 0.0) if raw is not None else None
            except ValueError:
                return None
        return None

    def _should_retry(self, state: RetryCallState) -> bool:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, requests.Timeout | requests.ConnectionError):
            return True
        status = _status(exc) if exc else None
        if status is None or not (status == 429 or status >= 500):
            return False
        after = self._retry_after(exc)
        return after is None or after <= self._max_wait

    def _wait(self, state: RetryCallState) -> float:
        after = self._retry_after(state.outcome.exception() if state.outcome else None)
        return after if after is not None else float(self._backoff(state))

    def _call(self, what: str, fn: Callable[[], T]) -> T:
        retrying = Retrying(
            stop=stop_after_attempt(self._max_attempts),
            retry=self._should_retry,
            wait=self._wait,
            sleep=self._sleep,
            reraise=True,
        )
        try:
            return retrying(fn)
        except APIError as exc:
            status = exc.status_code
            message = f"{what}: HTTP {status}: {str(exc)[:200]}"
            if status in (401, 403):
                raise AlpacaDataAuthError(PROVIDER, message) from exc
            if status == 404:
                raise TickerNotFoundError(PROVIDER, message) from exc
            if status is not None and (status == 429 or status >= 500):
                raise AlpacaDataUnavailableError(PROVIDER, f"{message} (gave up)") from exc
            raise MarketDataError(PROVIDER, message) from exc
        except requests.Timeout as exc:
            raise AlpacaDataUnavailableError(
                PROVIDER, f"{what}: timed out after {self._max_attempts} attempt(s)"
            ) from exc
        except requests.ConnectionError as exc:
            raise AlpacaDataUnavailableError(PROVIDER, f"{what}: connection failed: {exc}") from exc
        except (ValueError, ValidationError) as exc:  # malformed JSON or unexpected shape
            raise MarketDataError(PROVIDER, f"{what}: malformed response: {exc}") from exc

    def bars(self, ticker: str, *, start: date, as_of: datetime) -> list[Bar]:
        """Split-adjusted daily bars ``start``..last session closed at ``as_of``."""
        table = nyse_sessions()
        last = table.last_closed(as_of)
        if last is None or last < start:
            return []
        request = StockBarsRequest(
            symbol_or_symbols=ticker.upper(),
            timeframe=TimeFrame.Day,
            start=datetime.combine(start, datetime.min.time(), NEW_YORK),
            end=table.close_at(last),
            adjustment=Adjustment.SPLIT,
            feed=self._feed,
        )
        barset: Any = self._call(f"bars {ticker}", lambda: self._client.get_stock_bars(request))
        if ticker.upper() not in barset.data:
            raise TickerNotFoundError(PROVIDER, f"no bars for {ticker} from {start} to {last}")
        by_day: dict[date, Bar] = {}
        for raw in barset.data[ticker.upper()]:
            day = raw.timestamp.astimezone(NEW_YORK).date()
            if start <= day <= last:
                by_day[day] = Bar(
                    ts=table.open_at(day),
                    open=raw.open,
                    high=raw.high,
                    low=raw.low,
                    close=raw.close,
                    volume=raw.volume,
                )
        return [by_day[d] for d in sorted(by_day)]

    def latest_quote(self, ticker: str) -> Quote:
        """The latest best bid/ask (live data: for execution sanity checks, not backtests)."""
        request = StockLatestQuoteRequest(symbol_or_symbols=ticker.upper(), feed=self._feed)
        quotes: Any = self._call(
            f"latest quote {ticker}", lambda: self._client.get_stock_latest_quote(request)
        )
        if ticker.upper() not in quotes:
            raise TickerNotFoundError(PROVIDER, f"no quote for {ticker}")
        raw = quotes[ticker.upper()]
        return Quote(
            ticker=ticker.upper(),
            ts=raw.timestamp,
            bid=raw.bid_price,
            ask=raw.ask_price,
            bid_size=raw.bid_size,
            ask_size=raw.ask_size,
        )

    def financial_metrics(
        self, ticker: str, *, as_of: datetime, limit: int = 8
    ) -> list[FinancialMetrics]:
        raise UnsupportedDataError(PROVIDER, "Alpaca market data has no financial metrics")

    def news(self, ticker: str, *, as_of: datetime, limit: int = 50) -> list[NewsItem]:
        raise UnsupportedDataError(PROVIDER, "news is not wired for Alpaca")

    def insider_trades(
        self, ticker: str, *, as_of: datetime, limit: int = 50
    ) -> list[InsiderTrade]:
        raise UnsupportedDataError(PROVIDER, "Alpaca market data has no insider trades")
