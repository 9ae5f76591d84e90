"""The broker's current quote: Alpaca's latest-quote endpoint through alpaca-py's data client.

Why the broker and not the data feed: entries are sized and sanity-checked against what the
market asks now, not against yesterday's close (issue 9.7). The data API lives on its own host
(APCA_API_DATA_URL), so the broker keeps a second, small client with the same request timeout.
"""

from __future__ import annotations

from typing import Any

import requests
from alpaca.common.exceptions import APIError
from alpaca.data.historical import StockHistoricalDataClient
from alpaca.data.requests import StockLatestQuoteRequest

from domain import Quote
from tools.brokers.base import BrokerError

__all__ = ["AlpacaQuotes"]


class _TimeoutSession(requests.Session):
    """alpaca-py sets no timeout; a hung data host must not hang the gate."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self._timeout = timeout

    def request(self, method: Any, url: Any, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", self._timeout)
        return super().request(method, url, *args, **kwargs)


class AlpacaQuotes:
    """Latest best bid/ask; ``None`` when Alpaca has no quote, ``BrokerError`` on failure."""

    def __init__(
        self, *, api_key: str, secret_key: str, data_url: str | None, timeout: float
    ) -> None:
        self._client = StockHistoricalDataClient(
            api_key=api_key, secret_key=secret_key, url_override=data_url
        )
        self._client._retry_codes = []  # a quote is fresh or useless: no fixed-pause retries
        self._client._session = _TimeoutSession(timeout)

    def close(self) -> None:
        """Close the data client's HTTP session (its kept-alive sockets)."""
        self._client._session.close()

    def latest_quote(self, symbol: str) -> Quote | None:
        try:
            quotes = self._client.get_stock_latest_quote(
                StockLatestQuoteRequest(symbol_or_symbols=symbol)
            )
        except (APIError, requests.RequestException, ValueError) as exc:
            raise BrokerError(f"alpaca latest quote {symbol} failed: {exc}") from exc
        raw = quotes.get(symbol) if isinstance(quotes, dict) else None
        if raw is None:
            return None
        bid, ask = float(raw.bid_price or 0), float(raw.ask_price or 0)
        if bid <= 0 and ask <= 0:
            return None  # an empty book is no quote, not a price of zero
        return Quote(
            ticker=symbol,
            ts=raw.timestamp,
            bid=bid,
            ask=ask,
            bid_size=float(raw.bid_size or 0),
            ask_size=float(raw.ask_size or 0),
        )
