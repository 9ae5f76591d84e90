"""HTTP client for the Financial Datasets API: typed answers, bounded retries, typed failures.

Why this shape: the analysts must never mistake an outage for "no data". Every call either returns
validated wire models or raises a ``FinancialDatasetsError`` subclass. Transient failures (429,
5xx, timeouts, dropped connections) are retried by tenacity with exponential backoff and jitter,
honouring ``Retry-After`` (seconds or an HTTP date); a ``Retry-After`` longer than ``max_wait``
fails at once rather than hammering a rate-limited key. Pagination follows ``next_page_url`` only
on the configured host, so the API key is never sent elsewhere.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from datetime import date
from email.utils import parsedate_to_datetime
from threading import Lock
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit

import httpx
from pydantic import BaseModel, ValidationError
from tenacity import RetryCallState, Retrying, stop_after_attempt, wait_exponential_jitter

from tools.clock import Clock, SystemClock
from tools.market_data.financialdatasets.errors import (
    FinancialDatasetsAuthError,
    FinancialDatasetsNotFoundError,
    FinancialDatasetsRequestError,
    FinancialDatasetsResponseError,
    FinancialDatasetsUnavailableError,
)
from tools.market_data.financialdatasets.wire import (
    CompanyFacts,
    CompanyFactsResponse,
    FinancialMetricsResponse,
    InsiderTradesResponse,
    LineItemSearchRequest,
    LineItemSearchResponse,
    LineItemsResult,
    NewsResponse,
    PricesResponse,
    WireFinancialMetrics,
    WireInsiderTrade,
    WireNews,
    WirePrice,
)

__all__ = ["DEFAULT_BASE_URL", "FinancialDatasetsClient"]

DEFAULT_BASE_URL = "https://api.financialdatasets.ai"
M = TypeVar("M", bound=BaseModel)
_MAX_PAGES = 100


class _TransientError(Exception):
    """A response worth retrying (429 or 5xx); ``retry_after`` in seconds when the server said."""

    def __init__(self, status: int, retry_after: float | None, detail: str) -> None:
        super().__init__(f"HTTP {status}: {detail}")
        self.status = status
        self.retry_after = retry_after


def _detail(response: httpx.Response) -> str:
    """The server's own error text, trimmed; never echoes request headers (the key)."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict):
        parts = [str(body[k]) for k in ("error", "message", "detail") if body.get(k)]
        if parts:
            return ": ".join(parts)[:200]
    return str(body)[:200]


class FinancialDatasetsClient:
    """Synchronous client; thread-safe (one ``httpx.Client`` with a connection pool).

    Args:
        base_url: FINANCIAL_DATASETS_BASE_URL; tests point it at a local server.
        api_key: FINANCIAL_DATASETS_API_KEY, sent as ``X-API-KEY``; ``None`` sends no key.
        timeout: Seconds for connect, read and write of each attempt.
        max_attempts: Attempts per request, the first included.
        max_wait: Longest pause between attempts; a longer ``Retry-After`` fails at once.
        transport: An httpx transport (tests may pass ``httpx.MockTransport``).
        sleep: How to pause between attempts (tests may record instead of sleeping).
        clock: Reads "now" to turn an HTTP-date ``Retry-After`` into seconds.
    """

    def __init__(
        self,
        *,
        base_url: str = DEFAULT_BASE_URL,
        api_key: str | None = None,
        timeout: float = 20.0,
        max_attempts: int = 4,
        max_wait: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Clock | None = None,
    ) -> None:
        headers = {"Accept": "application/json", "User-Agent": "hedgegraph"}
        if api_key:
            headers["X-API-KEY"] = api_key
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(
            base_url=self.base_url,
            headers=headers,
            timeout=httpx.Timeout(timeout),
            transport=transport,
            event_hooks={"request": [self._count]},
        )
        self._max_attempts = max_attempts
        self._max_wait = max_wait
        self._sleep = sleep
        self._clock = clock or SystemClock()
        self._backoff = wait_exponential_jitter(multiplier=0.5, max=max_wait, jitter=0.5)
        self._requests = 0
        self._lock = Lock()

    # -- plumbing -----------------------------------------------------------------------------

    def _count(self, request: httpx.Request) -> None:
        with self._lock:
            self._requests += 1

    @property
    def requests_made(self) -> int:
        """HTTP requests sent so far, retries included (the benchmark reads this)."""
        with self._lock:
            return self._requests

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> FinancialDatasetsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _retry_after(self, response: httpx.Response) -> float | None:
        raw = response.headers.get("Retry-After")
        if raw is None:
            return None
        try:
            return max(float(raw), 0.0)
        except ValueError:
            pass
        try:
            when = parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            return None
        return max((when - self._clock.now()).total_seconds(), 0.0)

    def _should_retry(self, state: RetryCallState) -> bool:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _TransientError):
            return exc.retry_after is None or exc.retry_after <= self._max_wait
        return isinstance(exc, httpx.TimeoutException | httpx.TransportError)

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _TransientError) and exc.retry_after is not None:
            return exc.retry_after
        return float(self._backoff(state))

    def _send_once(self, method: str, url: str, kwargs: dict[str, Any]) -> httpx.Response:
        response = self._http.request(method, url, **kwargs)
        if response.status_code == 429 or response.status_code >= 500:
            raise _TransientError(
                response.status_code, self._retry_after(response), _detail(response)
            )
        return response

    def _request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        retrying = Retrying(
            stop=stop_after_attempt(self._max_attempts),
            retry=self._should_retry,
            wait=self._wait,
            sleep=self._sleep,
            reraise=True,
        )
        where = f"{method} {urlsplit(url).path or url}"
        try:
            response = retrying(self._send_once, method, url, kwargs)
        except _TransientError as exc:
            raise FinancialDatasetsUnavailableError(
                f"{where}: {exc} (gave up after retries)", status=exc.status
            ) from exc
        except httpx.TimeoutException as exc:
            raise FinancialDatasetsUnavailableError(
                f"{where}: timed out after {self._max_attempts} attempt(s)"
            ) from exc
        except httpx.TransportError as exc:
            raise FinancialDatasetsUnavailableError(f"{where}: connection failed: {exc}") from exc
        self._raise_for_status(where, response)
        return response

    @staticmethod
    def _raise_for_status(where: str, response: httpx.Response) -> None:
        status = response.status_code
        if status < 400:
            return
        message = f"{where}: HTTP {status}: {_detail(response)}"
        if status in (401, 403):
            raise FinancialDatasetsAuthError(message, status=status)
        if status == 404:
            raise FinancialDatasetsNotFoundError(message, status=status)
        raise FinancialDatasetsRequestError(message, status=status)

    @staticmethod
    def _parse(where: str, response: httpx.Response, model: type[M]) -> M:
        try:
            payload = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise FinancialDatasetsResponseError(
                f"{where}: response is not JSON: {response.text[:120]!r}",
                status=response.status_code,
            ) from exc
        try:
            return model.model_validate(payload)
        except ValidationError as exc:
            raise FinancialDatasetsResponseError(
                f"{where}: unexpected response shape: {exc.errors()[:3]}",
                status=response.status_code,
            ) from exc

    def _next_url(self, where: str, next_page_url: str | None) -> str | None:
        if not next_page_url:
            return None
        url = urljoin(self.base_url + "/", next_page_url)
        base = urlsplit(self.base_url)
        target = urlsplit(url)
        if (target.scheme, target.netloc) != (base.scheme, base.netloc):
            raise FinancialDatasetsResponseError(f"{where}: next_page_url points off-host: {url}")
        return url

    def _get_pages(
        self, path: str, params: dict[str, Any], model: type[M], items: Callable[[M], list[Any]]
    ) -> list[Any]:
        """GET ``path`` and follow ``next_page_url`` until the last page."""
        out: list[Any] = []
        url: str | None = path
        query: dict[str, Any] | None = params
        for _ in range(_MAX_PAGES):
            if url is None:
                return out
            response = self._request("GET", url, params=query)
            page = self._parse(f"GET {path}", response, model)
            out.extend(items(page))
            url, query = self._next_url(f"GET {path}", getattr(page, "next_page_url", None)), None
        raise FinancialDatasetsResponseError(f"GET {path}: more than {_MAX_PAGES} pages")

    # -- endpoints ----------------------------------------------------------------------------

    def prices(
        self,
        ticker: str,
        *,
        start_date: date,
        end_date: date,
        interval: str = "day",
        interval_multiplier: int = 1,
        limit: int | None = None,
    ) -> list[WirePrice]:
        """``GET /prices``: bars from ``start_date`` through ``end_date``, every page."""
        params: dict[str, Any] = {
            "ticker": ticker,
            "interval": interval,
            "interval_multiplier": interval_multiplier,
            "start_date": start_date.isoformat(),
            "end_date": end_date.isoformat(),
        }
        if limit is not None:
            params["limit"] = limit
        return self._get_pages("/prices/", params, PricesResponse, lambda p: p.prices)

    def financial_metrics(
        self,
        ticker: str,
        *,
        period: str = "ttm",
        limit: int = 10,
        report_period_lte: date | None = None,
    ) -> list[WireFinancialMetrics]:
        """``GET /financial-metrics``; ``report_period_lte`` asks the API for history only."""
        params: dict[str, Any] = {"ticker": ticker, "period": period, "limit": limit}
        if report_period_lte is not None:
            params["report_period_lte"] = report_period_lte.isoformat()
        return self._get_pages(
            "/financial-metrics/", params, FinancialMetricsResponse, lambda p: p.financial_metrics
        )

    def insider_trades(
        self, ticker: str, *, limit: int = 100, filing_date_lte: date | None = None
    ) -> list[WireInsiderTrade]:
        """``GET /insider-trades``; ``filing_date_lte`` asks the API for history only."""
        params: dict[str, Any] = {"ticker": ticker, "limit": limit}
        if filing_date_lte is not None:
            params["filing_date_lte"] = filing_date_lte.isoformat()
        return self._get_pages(
            "/insider-trades/", params, InsiderTradesResponse, lambda p: p.insider_trades
        )

    def news(
        self,
        ticker: str,
        *,
        start_date: date | None = None,
        end_date: date | None = None,
        limit: int = 100,
    ) -> list[WireNews]:
        """``GET /news``: company news, newest first."""
        params: dict[str, Any] = {"ticker": ticker, "limit": limit}
        if start_date is not None:
            params["start_date"] = start_date.isoformat()
        if end_date is not None:
            params["end_date"] = end_date.isoformat()
        return self._get_pages("/news/", params, NewsResponse, lambda p: p.news)

    def search_line_items(
        self,
        tickers: Sequence[str],
        line_items: Sequence[str],
        *,
        period: str = "ttm",
        limit: int = 1,
    ) -> list[LineItemsResult]:
        """``POST /financials/search/line-items``: chosen statement lines for several tickers."""
        body = LineItemSearchRequest(
            line_items=list(line_items), tickers=list(tickers), period=period, limit=limit
        )
        response = self._request(
            "POST", "/financials/search/line-items", json=body.model_dump(mode="json")
        )
        where = "POST /financials/search/line-items"
        return self._parse(where, response, LineItemSearchResponse).search_results

    def company_facts(self, ticker: str) -> CompanyFacts:
        """``GET /company/facts``: the company's profile (current, not point in time)."""
        response = self._request("GET", "/company/facts/", params={"ticker": ticker})
        return self._parse("GET /company/facts", response, CompanyFactsResponse).company_facts
