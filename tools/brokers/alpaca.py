"""The Alpaca broker through alpaca-py's ``TradingClient`` (paper endpoint unless live is gated in).

Error semantics are what exactly-once needs: a timeout, a dropped connection or a 5xx on submit is
``AmbiguousSubmissionError`` (the order may exist); a 422 "client_order_id must be unique" is
``DuplicateClientOrderIdError``; other 4xx are ``OrderRejectedError`` (the order does not exist).
A 429 is retried by the client itself (it was not processed). A cancel that loses the race to a
fill keeps the fill: the order is read back and nothing is raised.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import requests
from alpaca.common.enums import Sort
from alpaca.common.exceptions import APIError
from alpaca.common.rest import RESTClient
from alpaca.trading.client import TradingClient
from alpaca.trading.enums import OrderSide as AlpacaSide
from alpaca.trading.enums import QueryOrderStatus
from alpaca.trading.enums import TimeInForce as AlpacaTif
from alpaca.trading.models import Order as AlpacaOrder
from alpaca.trading.requests import (
    GetOrderByIdRequest,
    GetOrdersRequest,
    MarketOrderRequest,
    OrderRequest,
)

from config.settings import Settings
from domain import AssetStatus, Order, OrderIntent, OrderSide, PortfolioSnapshot, Quote
from tools.brokers._alpaca_mapping import (
    asset_status,
    is_multi_leg,
    order_from_alpaca,
    order_request,
    position_from_alpaca,
)
from tools.brokers._alpaca_quotes import AlpacaQuotes
from tools.brokers.base import (
    AmbiguousSubmissionError,
    BrokerError,
    DuplicateClientOrderIdError,
    OrderRejectedError,
)
from tools.brokers.live_gate import LIVE_URL, PAPER_URL, choose_endpoint, confirm_live
from tools.clock import Clock, SystemClock

__all__ = ["LIVE_URL", "PAPER_URL", "AlpacaAccount", "AlpacaBroker", "build_alpaca_broker"]

log = logging.getLogger(__name__)
_DUPLICATE_CODE = 40010001
MAX_PAGE = 500
"""Alpaca answers at most 500 orders per list request."""
_LEG_LOOKBACK = timedelta(minutes=5)
"""How far before its oldest working leg's creation we look for the parent. Legs are created with
their entry (a leg's submission may come much later, when a resting entry fills)."""


class _TimeoutSession(requests.Session):
    """A requests session with a default timeout: alpaca-py sets none, so a hung server hangs us."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self._timeout = timeout

    def request(self, method: Any, url: Any, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", self._timeout)
        return super().request(method, url, *args, **kwargs)


class _Client(TradingClient):
    """TradingClient with our retry policy (429 only: a 504 on submit is ambiguous, not retryable)
    and a request timeout."""

    def __init__(
        self, *, api_key: str, secret_key: str, base_url: str, paper: bool, timeout: float
    ) -> None:
        RESTClient.__init__(
            self,
            api_key=api_key,
            secret_key=secret_key,
            api_version="v2",
            base_url=base_url,
            sandbox=paper,
            raw_data=False,
            retry_attempts=2,
            retry_wait_seconds=1,
            retry_exception_codes=[429],
        )
        self._session = _TimeoutSession(timeout)


class AlpacaAccount:
    """The few account facts the gate and live gating need."""

    def __init__(self, raw: Any) -> None:
        self.account_number = str(raw.account_number)
        self.daytrade_count = int(raw.daytrade_count or 0)
        self.trading_blocked = bool(raw.trading_blocked or raw.account_blocked)


def _status(exc: APIError) -> int | None:
    try:
        return exc.status_code
    except Exception:
        return None


def _code(exc: APIError) -> int | None:
    try:
        return int(exc.code)
    except Exception:
        return None


class AlpacaBroker:
    name = "alpaca"

    def __init__(
        self,
        *,
        api_key: str,
        secret_key: str,
        base_url: str = PAPER_URL,
        paper: bool = True,
        clock: Clock,
        timeout_seconds: float = 10.0,
        data_url: str | None = None,
        page_size: int = MAX_PAGE,
    ) -> None:
        self.paper = paper
        self.base_url = base_url
        self.gating_note = "paper trading (default)" if paper else "live"
        self._clock = clock
        self._client = _Client(
            api_key=api_key,
            secret_key=secret_key,
            base_url=base_url.rstrip("/"),
            paper=paper,
            timeout=timeout_seconds,
        )
        self._fractionable: dict[str, bool] = {}
        self._page_size = max(1, min(page_size, MAX_PAGE))
        self._quotes = AlpacaQuotes(
            api_key=api_key, secret_key=secret_key, data_url=data_url, timeout=timeout_seconds
        )

    def close(self) -> None:
        """Close the trading and the quote client's HTTP sessions (their kept-alive sockets)."""
        self._client._session.close()
        self._quotes.close()

    # -- reads ---------------------------------------------------------------------------------

    def account(self) -> AlpacaAccount:
        return AlpacaAccount(self._call(self._client.get_account))

    def portfolio(self) -> PortfolioSnapshot:
        account = self._call(self._client.get_account)
        positions = [position_from_alpaca(p) for p in self._call(self._client.get_all_positions)]
        return PortfolioSnapshot(
            as_of=self._clock.now(),
            cash=Decimal(str(account.cash)),
            equity=Decimal(str(account.equity)),
            buying_power=Decimal(str(account.buying_power)),
            positions={p.symbol: p for p in positions if p.qty != 0},
            account_id=str(account.account_number),
        )

    def market_open(self) -> bool:
        """The broker clock's answer (the gate's market-hours policy prefers it)."""
        return bool(self._call(self._client.get_clock).is_open)

    def asset(self, symbol: str) -> AssetStatus:
        """The asset entry; ``BrokerError`` when unknown (404) or unreadable (5xx, timeout).

        Never a default: an asset we cannot read is not known to be tradable.
        """
        status = asset_status(self._call(self._client.get_asset, symbol))
        self._fractionable[symbol] = status.fractionable
        return status

    def latest_quote(self, symbol: str) -> Quote | None:
        """Alpaca's latest best bid/ask (APCA_API_DATA_URL); ``BrokerError`` when unreadable."""
        return self._quotes.latest_quote(symbol)

    def get_order_by_client_id(self, client_order_id: str) -> Order | None:
        """The order for our id; a bracket parent comes with its legs (read nested by id)."""
        try:
            raw: AlpacaOrder = self._client.get_order_by_client_id(client_order_id)  # type: ignore[assignment]
            if is_multi_leg(raw) and not raw.legs:
                nested: AlpacaOrder = self._client.get_order_by_id(  # type: ignore[assignment]
                    raw.id, GetOrderByIdRequest(nested=True)
                )
                raw = nested if nested.legs else raw
            return order_from_alpaca(raw)
        except APIError as exc:
            if _status(exc) == 404:
                return None
            raise BrokerError(f"order lookup {client_order_id} failed: {exc}") from exc
        except requests.RequestException as exc:
            raise BrokerError(f"order lookup {client_order_id} failed: {exc}") from exc

    def open_orders(self) -> list[Order]:
        """Every working order, every page of them, bracket legs linked to their parent entry.

        Alpaca lists a bracket's legs as orders of their own once the entry has filled and does
        not say whose they are; a nested listing since shortly before the oldest leg names the
        parent, so the gate can hold one OCO pair against the position once.
        """
        working = self._all_pages(QueryOrderStatus.OPEN, nested=False)
        return self._link_legs(working)

    def _all_pages(
        self, status: QueryOrderStatus, *, nested: bool, after: datetime | None = None
    ) -> list[AlpacaOrder]:
        """Follow the newest-first pages back in time until a page brings nothing new.

        Why not stop at a short page: a server may cap a page below the ``limit`` we ask. The
        next page ends just after the oldest order seen, so orders sharing that timestamp are
        read again (and de-duplicated) rather than skipped.
        """
        seen: dict[str, AlpacaOrder] = {}
        until: datetime | None = None
        while True:
            request = GetOrdersRequest(
                status=status,
                limit=self._page_size,
                nested=nested,
                after=after,
                until=until,
                direction=Sort.DESC,
            )
            page: list[AlpacaOrder] = self._call(self._client.get_orders, request)
            fresh = [o for o in page if str(o.id) not in seen]
            if not fresh:
                return list(seen.values())
            seen.update((str(o.id), o) for o in fresh)
            until = min(_submitted(o) for o in page) + timedelta(microseconds=1)

    def _link_legs(self, working: list[AlpacaOrder]) -> list[Order]:
        unlinked = [o for o in working if is_multi_leg(o)]
        parent_of: dict[str, str] = {}
        if unlinked:
            since = min(o.created_at or _submitted(o) for o in unlinked) - _LEG_LOOKBACK
            for parent in self._all_pages(QueryOrderStatus.ALL, nested=True, after=since):
                parent_of.update((str(leg.id), parent.client_order_id) for leg in _legs(parent))
        return [
            order_from_alpaca(o, parent_client_order_id=parent_of.get(str(o.id))) for o in working
        ]

    # -- writes --------------------------------------------------------------------------------

    def submit_order(self, intent: OrderIntent, qty: Decimal) -> Order:
        fractionable = self._fractionable.get(intent.ticker)
        if fractionable is None and qty != qty.to_integral_value():
            fractionable = self.asset(intent.ticker).fractionable
        try:
            request = order_request(intent, qty, fractionable=bool(fractionable))
        except ValueError as exc:
            raise OrderRejectedError(str(exc)) from exc
        return self._send(intent, request)

    def _send(self, intent: OrderIntent, request: OrderRequest) -> Order:
        try:
            return order_from_alpaca(self._client.submit_order(request))
        except requests.RequestException as exc:
            raise AmbiguousSubmissionError(f"submit {intent.client_order_id}: {exc}") from exc
        except APIError as exc:
            status = _status(exc)
            if status == 422 and (_code(exc) == _DUPLICATE_CODE or "client_order_id" in str(exc)):
                raise DuplicateClientOrderIdError(str(exc)) from exc
            if status is None or status >= 500:
                raise AmbiguousSubmissionError(f"submit {intent.client_order_id}: {exc}") from exc
            raise OrderRejectedError(
                f"submit {intent.client_order_id} rejected ({status}): {exc}"
            ) from exc

    def submit_notional(self, intent: OrderIntent, notional: Decimal) -> Order:
        """A DAY market order for a dollar amount (fractionable assets only); same error mapping.

        Exactly-once callers still pass through ``submit_exactly_once`` for the quantity form;
        this form is for operators who size in dollars.
        """
        if notional <= 0:
            raise OrderRejectedError(f"notional must be positive, got {notional}")
        if (
            not self._fractionable.get(intent.ticker, False)
            and not self.asset(intent.ticker).fractionable
        ):
            raise OrderRejectedError(f"{intent.ticker} is not fractionable: no notional orders")
        request = MarketOrderRequest(
            symbol=intent.ticker,
            notional=float(notional),
            side=AlpacaSide.BUY if intent.side is OrderSide.BUY else AlpacaSide.SELL,
            time_in_force=AlpacaTif.DAY,
            client_order_id=intent.client_order_id,
        )
        return self._send(intent, request)

    def cancel_order(self, broker_order_id: str) -> None:
        """Cancel a working order; a 422 "not cancelable" means it filled or closed first: kept."""
        try:
            self._client.cancel_order_by_id(broker_order_id)
        except APIError as exc:
            if _status(exc) == 422:
                return
            raise BrokerError(f"cancel {broker_order_id} failed: {exc}") from exc
        except requests.RequestException as exc:
            raise BrokerError(f"cancel {broker_order_id} failed: {exc}") from exc

    # -- internals -----------------------------------------------------------------------------

    @staticmethod
    def _call(fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except (APIError, requests.RequestException) as exc:
            raise BrokerError(f"alpaca {getattr(fn, '__name__', 'call')} failed: {exc}") from exc


def _submitted(order: AlpacaOrder) -> datetime:
    at = order.submitted_at or order.created_at
    if at is None:  # pragma: no cover - Alpaca always sends created_at
        raise BrokerError(f"alpaca order {order.id} has no submission time")
    return at


def _legs(order: AlpacaOrder) -> Iterable[AlpacaOrder]:
    return order.legs or ()


def build_alpaca_broker(settings: Settings, *, clock: Clock | None = None) -> AlpacaBroker:
    """The Alpaca broker the settings allow: paper unless live is requested *and* confirmed."""
    key, secret = settings.apca_api_key_id, settings.apca_api_secret_key
    if key is None or secret is None:
        raise BrokerError("APCA_API_KEY_ID and APCA_API_SECRET_KEY are required for BROKER=alpaca")

    def make(url: str, paper: bool) -> AlpacaBroker:
        return AlpacaBroker(
            api_key=key.get_secret_value(),
            secret_key=secret.get_secret_value(),
            base_url=url,
            paper=paper,
            clock=clock or SystemClock(),
            data_url=settings.apca_api_data_url,
        )

    choice = choose_endpoint(settings)
    broker = make(choice.base_url, choice.paper)
    if not choice.paper:
        final = confirm_live(choice, settings, broker.account().account_number)
        if final.paper:
            log.error("live trading refused: %s", final.note)
            broker = make(final.base_url, True)
        choice = final
    broker.gating_note = choice.note
    return broker
