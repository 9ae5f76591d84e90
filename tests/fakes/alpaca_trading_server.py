"""A local Alpaca Trading API (v2) that speaks the real wire format, with fault knobs.

Shapes follow shared/data/alpaca/openapi_trading.yaml and the real captures beside it
(haannbboo_orders.json, haannbboo_positions.json, haannbboo_account.json): decimals as strings,
UUID ids, RFC 3339 times, the 422 body Alpaca sends for a duplicate ``client_order_id``. The real
alpaca-py ``TradingClient`` talks to it through ``url_override``.

Fault knobs (``FakeAlpaca.faults``, consumed one per ``POST /v2/orders``): ``timeout_after_accept``,
``timeout_before_accept``, ``5xx_after_accept``, ``5xx_before_accept``, ``429``, ``reject``,
``partial``, ``hidden`` (accepted but missing from order lists; found by id), ``rest`` (accepted,
not filled). ``lookup_faults`` fail ``GET /v2/orders:by_client_order_id`` with 503 and
``lookup_misses`` answer it 404 although the order exists; ``fill_on_cancel`` makes the next
cancel lose the race to a fill.

Order lists page the way Alpaca does: at most ``limit`` (default 50) and never more than
``max_page_size`` (Alpaca: 500) orders per answer, filtered by ``after``/``until`` (exclusive, on
``submitted_at``) and sorted by ``direction``; ``nested=true`` rolls bracket legs up under their
parent instead of listing them. Bracket legs are one-cancels-other: ``work()`` fills every resting
order the current prices reach and cancels a filled leg's sibling. Asset knobs: ``asset_faults``
answers the next N ``GET /v2/assets/{symbol}`` with 503, ``unknown_assets`` answers 404 for those
symbols (as does any symbol without a price). ``enforce_available_qty`` refuses a sell of a long
beyond what working sells leave available, as Alpaca does.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import uvicorn
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

__all__ = ["FakeAlpaca", "serve_fake_alpaca"]

_OPEN = {"new", "accepted", "partially_filled", "pending_new", "held"}


def _ts(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _instant(raw: str) -> datetime:
    at = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _wire_decimal(value: Any) -> str | None:
    """Alpaca sends prices and amounts as decimal strings."""
    return None if value is None else str(Decimal(str(value)))


def _error(status: int, code: int, message: str) -> JSONResponse:
    return JSONResponse({"code": code, "message": message}, status_code=status)


@dataclass
class FakeAlpaca:
    prices: dict[str, Decimal]
    cash: Decimal = Decimal("100000")
    account_number: str = "PA3ABCDEF123"
    daytrade_count: int = 0
    is_open: bool = True
    hang_seconds: float = 3.0
    faults: deque[str] = field(default_factory=deque)
    lookup_faults: int = 0
    lookup_misses: int = 0
    fill_on_cancel: bool = False
    max_page_size: int = 500
    """Most orders one ``GET /v2/orders`` answers, whatever ``limit`` asks (Alpaca: 500)."""
    asset_faults: int = 0
    """The next N asset lookups answer 503."""
    unknown_assets: set[str] = field(default_factory=set)
    """Symbols the asset endpoint answers 404 for although they have a price."""
    enforce_available_qty: bool = False
    """Refuse (403) a sell of a long beyond the shares not already held by working sells, as
    Alpaca does: a bracket's legs hold the position once, so an exit must cancel them first."""
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    positions: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    hidden: set[str] = field(default_factory=set)
    assets: dict[str, dict[str, Any]] = field(default_factory=dict)
    log: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    # -- state helpers --------------------------------------------------------------------------

    def by_client_id(self, client_order_id: str) -> dict[str, Any] | None:
        return next(
            (o for o in self.orders.values() if o["client_order_id"] == client_order_id), None
        )

    def submissions_for(self, client_order_id: str) -> int:
        return sum(1 for o in self.orders.values() if o["client_order_id"] == client_order_id)

    def available_to_sell(self, symbol: str) -> Decimal:
        """Long shares not held by working sells (one OCO pair holds its quantity once)."""
        held = self.positions.get(symbol, {}).get("qty", Decimal(0))
        claims: dict[str, Decimal] = {}
        for o in self.orders.values():
            if o["symbol"] == symbol and o["side"] == "sell" and o["status"] in _OPEN:
                key = o.get("parent_id") or o["id"]
                left = Decimal(o["qty"]) - Decimal(o["filled_qty"])
                claims[key] = max(claims.get(key, Decimal(0)), left)
        return held - sum(claims.values(), Decimal(0))

    def legs_of(self, order_id: str) -> list[dict[str, Any]]:
        """The bracket legs of a parent order (the same records the order lists show)."""
        return [o for o in self.orders.values() if o.get("parent_id") == order_id]

    def wire(self, order: dict[str, Any], *, nested: bool) -> dict[str, Any]:
        """An order as Alpaca sends it: legs only when nested, no internal fields."""
        out = {k: v for k, v in order.items() if k != "parent_id"}
        if order["order_class"] != "simple" and not order.get("parent_id"):
            out["legs"] = (
                [self.wire(leg, nested=False) for leg in self.legs_of(order["id"])]
                if nested
                else None
            )
        return out

    def work(self) -> list[dict[str, Any]]:
        """The exchange: fill every working order the current prices reach; OCO legs cancel.

        A leg works only once its parent has filled; when one leg fills its sibling is canceled.
        """
        filled = []
        with self.lock:
            for order in list(self.orders.values()):
                if order["status"] not in _OPEN or not self.is_open:
                    continue
                parent = self.orders.get(order.get("parent_id") or "")
                if parent is not None and parent["status"] != "filled":
                    continue
                if not self.marketable(order):
                    continue
                self.fill(order)
                filled.append(order)
                if parent is not None:
                    for sibling in self.legs_of(parent["id"]):
                        if sibling["id"] != order["id"] and sibling["status"] in _OPEN:
                            sibling.update(status="canceled", canceled_at=_ts(datetime.now(UTC)))
        return filled

    def fill(self, order: dict[str, Any], qty: Decimal | None = None) -> None:
        """Fill ``qty`` more (default: the rest) at the current price; moves cash and positions."""
        price = self.prices[order["symbol"]]
        remaining = Decimal(order["qty"]) - Decimal(order["filled_qty"])
        qty = remaining if qty is None else min(qty, remaining)
        signed = qty if order["side"] == "buy" else -qty
        pos = self.positions.setdefault(order["symbol"], {"qty": Decimal(0), "avg": price})
        held = pos["qty"]
        if held == 0 or (held > 0) == (signed > 0):
            pos["avg"] = (held * pos["avg"] + signed * price) / (held + signed)
        pos["qty"] = held + signed
        if pos["qty"] == 0:
            del self.positions[order["symbol"]]
        self.cash -= signed * price
        done = Decimal(order["filled_qty"]) + qty
        prev_avg = Decimal(order["filled_avg_price"] or 0)
        avg = (prev_avg * Decimal(order["filled_qty"]) + price * qty) / done
        now = _ts(datetime.now(UTC))
        order.update(
            filled_qty=str(done),
            filled_avg_price=str(avg.quantize(Decimal("0.0001"))),
            status="filled" if done == Decimal(order["qty"]) else "partially_filled",
            filled_at=now,
            updated_at=now,
        )

    def equity(self) -> Decimal:
        return self.cash + sum(
            (p["qty"] * self.prices[s] for s, p in self.positions.items()), Decimal(0)
        )

    def new_order(self, body: dict[str, Any]) -> dict[str, Any]:
        now = _ts(datetime.now(UTC))
        legs = None
        order_class = body.get("order_class") or "simple"
        if order_class == "bracket":
            legs = [
                self._leg(
                    body, "limit", limit_price=body["take_profit"]["limit_price"], status="new"
                ),
                self._leg(body, "stop", stop_price=body["stop_loss"]["stop_price"], status="held"),
            ]
        order = {
            "asset_class": "us_equity",
            "asset_id": str(uuid.uuid5(uuid.NAMESPACE_DNS, body["symbol"])),
            "canceled_at": None,
            "client_order_id": body.get("client_order_id") or str(uuid.uuid4()),
            "created_at": now,
            "expired_at": None,
            "expires_at": None,
            "extended_hours": bool(body.get("extended_hours", False)),
            "failed_at": None,
            "filled_at": None,
            "filled_avg_price": None,
            "filled_qty": "0",
            "hwm": None,
            "id": str(uuid.uuid4()),
            "legs": legs,
            "limit_price": _wire_decimal(body.get("limit_price")),
            "notional": _wire_decimal(body.get("notional")),
            "order_class": order_class,
            "order_type": body["type"],
            "position_intent": "buy_to_open" if body["side"] == "buy" else "sell_to_close",
            "qty": str(body["qty"]) if body.get("qty") is not None else None,
            "ratio_qty": None,
            "replaced_at": None,
            "replaced_by": None,
            "replaces": None,
            "side": body["side"],
            "status": "accepted",
            "stop_price": _wire_decimal(body.get("stop_price")),
            "submitted_at": now,
            "symbol": body["symbol"],
            "time_in_force": body["time_in_force"],
            "trail_percent": None,
            "trail_price": None,
            "type": body["type"],
            "updated_at": now,
        }
        if order["qty"] is None:  # notional order: qty from the current price
            qty = Decimal(str(body["notional"])) / self.prices[body["symbol"]]
            order["qty"] = str(qty.quantize(Decimal("0.000000001")))
        self.orders[order["id"]] = order
        for i, leg in enumerate(legs or []):  # listed on their own unless ``nested=true``
            record = {**order, **leg, "legs": None, "parent_id": order["id"]}
            self.orders[leg["id"]] = record
            order["legs"][i] = record  # one record per leg: the parent shows its live state
        return order

    def _leg(
        self, parent: dict[str, Any], kind: str, *, status: str, **prices: Any
    ) -> dict[str, Any]:
        now = _ts(datetime.now(UTC))
        exit_side = "sell" if parent["side"] == "buy" else "buy"
        return {
            "id": str(uuid.uuid4()),
            "client_order_id": str(uuid.uuid4()),
            "created_at": now,
            "updated_at": now,
            "submitted_at": now,
            "asset_id": str(uuid.uuid5(uuid.NAMESPACE_DNS, parent["symbol"])),
            "symbol": parent["symbol"],
            "asset_class": "us_equity",
            "qty": str(parent["qty"]),
            "filled_qty": "0",
            "order_class": "bracket",
            "order_type": kind,
            "type": kind,
            "side": exit_side,
            "time_in_force": parent["time_in_force"],
            "status": status,
            "extended_hours": False,
            "limit_price": _wire_decimal(prices.get("limit_price")),
            "stop_price": _wire_decimal(prices.get("stop_price")),
        }

    def marketable(self, order: dict[str, Any]) -> bool:
        if order["type"] == "market":
            return True
        if order["type"] == "stop":
            price, stop = self.prices[order["symbol"]], Decimal(order["stop_price"])
            return price <= stop if order["side"] == "sell" else price >= stop
        price, limit = self.prices[order["symbol"]], Decimal(order["limit_price"])
        return price <= limit if order["side"] == "buy" else price >= limit

    def account(self) -> dict[str, Any]:
        equity = self.equity()
        long_value = sum(
            (p["qty"] * self.prices[s] for s, p in self.positions.items() if p["qty"] > 0),
            Decimal(0),
        )
        short_value = sum(
            (p["qty"] * self.prices[s] for s, p in self.positions.items() if p["qty"] < 0),
            Decimal(0),
        )
        return {
            "account_blocked": False,
            "account_number": self.account_number,
            "accrued_fees": "0",
            "buying_power": str(self.cash),
            "cash": str(self.cash),
            "created_at": "2026-03-13T17:38:35.639864Z",
            "crypto_status": "ACTIVE",
            "currency": "USD",
            "daytrade_count": self.daytrade_count,
            "daytrading_buying_power": "0",
            "equity": str(equity),
            "id": "8f6c3a0e-5a43-4a5b-9a52-1d4b7b1a2c3d",
            "last_equity": str(equity),
            "long_market_value": str(long_value),
            "multiplier": "1",
            "non_marginable_buying_power": str(self.cash),
            "pattern_day_trader": False,
            "portfolio_value": str(equity),
            "short_market_value": str(short_value),
            "shorting_enabled": True,
            "status": "ACTIVE",
            "trade_suspended_by_user": False,
            "trading_blocked": False,
            "transfers_blocked": False,
        }

    def position(self, symbol: str) -> dict[str, Any]:
        p = self.positions[symbol]
        price = self.prices[symbol]
        qty = p["qty"]
        return {
            "asset_class": "us_equity",
            "asset_id": str(uuid.uuid5(uuid.NAMESPACE_DNS, symbol)),
            "asset_marginable": True,
            "avg_entry_price": str(p["avg"].quantize(Decimal("0.0001"))),
            "avg_entry_swap_rate": None,
            "change_today": "0",
            "cost_basis": str(qty * p["avg"]),
            "current_price": str(price),
            "exchange": "NASDAQ",
            "lastday_price": str(price),
            "market_value": str(qty * price),
            "qty": str(qty),
            "qty_available": str(qty),
            "side": "long" if qty > 0 else "short",
            "swap_rate": None,
            "symbol": symbol,
            "unrealized_intraday_pl": "0",
            "unrealized_intraday_plpc": "0",
            "unrealized_pl": str(qty * (price - p["avg"])),
            "unrealized_plpc": "0",
            "usd": None,
        }


def build_app(fake: FakeAlpaca) -> FastAPI:
    app = FastAPI()

    @app.middleware("http")
    async def _log(request: Request, call_next: Any) -> Response:
        fake.log.append((request.method, request.url.path))
        if "APCA-API-KEY-ID" not in request.headers:
            return _error(401, 40110000, "request is not authorized")
        response: Response = await call_next(request)
        return response

    @app.get("/v2/account")
    async def account() -> dict[str, Any]:
        return fake.account()

    @app.get("/v2/clock")
    async def clock() -> dict[str, Any]:
        now = datetime.now(UTC)
        return {
            "timestamp": _ts(now),
            "is_open": fake.is_open,
            "next_open": _ts(now + timedelta(hours=16)),
            "next_close": _ts(now + timedelta(hours=4)),
        }

    @app.get("/v2/assets/{symbol}")
    async def asset(symbol: str) -> Any:
        if fake.asset_faults > 0:
            fake.asset_faults -= 1
            return _error(503, 50300000, "service unavailable")
        if symbol not in fake.prices or symbol in fake.unknown_assets:
            return _error(404, 40410000, "asset not found")
        base = {
            "id": str(uuid.uuid5(uuid.NAMESPACE_DNS, symbol)),
            "class": "us_equity",
            "exchange": "NASDAQ",
            "symbol": symbol,
            "name": f"{symbol} Inc. Common Stock",
            "status": "active",
            "tradable": True,
            "marginable": True,
            "shortable": True,
            "easy_to_borrow": True,
            "fractionable": True,
            "attributes": [],
        }
        return {**base, **fake.assets.get(symbol, {})}

    @app.get("/v2/positions")
    async def positions() -> list[dict[str, Any]]:
        return [fake.position(s) for s in sorted(fake.positions)]

    @app.post("/v2/orders")
    async def submit(request: Request) -> Any:
        body = await request.json()
        fault = fake.faults.popleft() if fake.faults else None
        if fault == "429":
            return _error(429, 42910000, "rate limit exceeded")
        if fault == "5xx_before_accept":
            return _error(503, 50300000, "service unavailable")
        if fault == "timeout_before_accept":
            await asyncio.sleep(fake.hang_seconds)
            return _error(504, 50400000, "gateway timeout")
        if fault == "reject":
            return _error(403, 40310000, "insufficient buying power")
        with fake.lock:
            if fake.by_client_id(body.get("client_order_id", "")) is not None:
                return _error(422, 40010001, "client_order_id must be unique")
            if fake.enforce_available_qty and body["side"] == "sell":
                held = fake.positions.get(body["symbol"], {}).get("qty", Decimal(0))
                available = fake.available_to_sell(body["symbol"])
                if held > 0 and Decimal(str(body.get("qty") or 0)) > available:
                    return _error(403, 40310000, f"insufficient qty available ({available})")
            order = fake.new_order(body)
            if fault == "hidden":
                fake.hidden.add(order["id"])
            if fault == "partial":
                fake.fill(order, Decimal(order["qty"]) / 2)
            elif fault != "rest" and fake.is_open and fake.marketable(order):
                fake.fill(order)
        if fault == "timeout_after_accept":
            await asyncio.sleep(fake.hang_seconds)
        if fault == "5xx_after_accept":
            return _error(500, 50000000, "internal server error")
        return fake.wire(order, nested=True)

    @app.get("/v2/orders")
    async def list_orders(
        status: str = "open",
        limit: int = 50,
        symbols: str | None = None,
        nested: bool = False,
        after: str | None = None,
        until: str | None = None,
        direction: str = "desc",
    ) -> Any:
        wanted = set(symbols.split(",")) if symbols else None
        since = _instant(after) if after else None
        before = _instant(until) if until else None
        out = []
        rows = sorted(
            fake.orders.values(),
            key=lambda o: _instant(o["submitted_at"]),
            reverse=direction != "asc",
        )
        for o in rows:
            if o["id"] in fake.hidden or (wanted and o["symbol"] not in wanted):
                continue
            if nested and o.get("parent_id"):
                continue
            at = _instant(o["submitted_at"])
            if (since is not None and at <= since) or (before is not None and at >= before):
                continue
            legs = fake.legs_of(o["id"]) if nested else []
            is_open = any(x["status"] in _OPEN for x in [o, *legs])
            if status == "all" or (status == "open") == is_open:
                out.append(fake.wire(o, nested=nested))
        return out[: min(limit, fake.max_page_size)]

    @app.get("/v2/orders:by_client_order_id")
    async def by_client_id(client_order_id: str) -> Any:
        if fake.lookup_faults > 0:
            fake.lookup_faults -= 1
            return _error(503, 50300000, "service unavailable")
        if fake.lookup_misses > 0:  # eventual consistency: the order exists but is not visible yet
            fake.lookup_misses -= 1
            return _error(404, 40410000, "order not found")
        order = fake.by_client_id(client_order_id)
        if order is None:
            return _error(404, 40410000, "order not found")
        return fake.wire(order, nested=False)

    @app.get("/v2/orders/{order_id}")
    async def by_id(order_id: str, nested: bool = False) -> Any:
        order = fake.orders.get(order_id)
        if order is None:
            return _error(404, 40410000, "order not found")
        return fake.wire(order, nested=nested)

    @app.delete("/v2/orders/{order_id}")
    async def cancel(order_id: str) -> Any:
        with fake.lock:
            order = fake.orders.get(order_id)
            if order is None:
                return _error(404, 40410000, "order not found")
            if fake.fill_on_cancel and order["status"] in _OPEN:
                fake.fill_on_cancel = False
                fake.fill(order)
            if order["status"] not in _OPEN:
                return _error(422, 42210000, "order is not cancelable")
            now = _ts(datetime.now(UTC))
            order.update(status="canceled", canceled_at=now)
            # A bracket goes as a whole: its parent with its legs, a leg with its OCO sibling.
            parent_id = order.get("parent_id") or order["id"]
            for leg in fake.legs_of(parent_id):
                if leg["status"] in _OPEN:
                    leg.update(status="canceled", canceled_at=now)
        return Response(status_code=204)

    return app


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve_fake_alpaca(fake: FakeAlpaca) -> Iterator[str]:
    """Run the fake on a free loopback port in a thread; yields its base URL."""
    port = _free_port()
    config = uvicorn.Config(build_app(fake), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("fake Alpaca server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
