"""Order intents (what we mean to send), orders (what the broker holds) and fills."""

from __future__ import annotations

import hashlib
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import Field

from domain._base import DomainModel

__all__ = [
    "Fill",
    "Order",
    "OrderIntent",
    "OrderSide",
    "OrderStatus",
    "OrderType",
    "TimeInForce",
    "client_order_id_for",
]


class OrderSide(StrEnum):
    BUY = "buy"
    SELL = "sell"


class OrderType(StrEnum):
    MARKET = "market"
    LIMIT = "limit"
    STOP = "stop"
    """A resting protective stop: becomes a market exit once the price reaches ``stop_loss``."""


class TimeInForce(StrEnum):
    DAY = "day"
    GTC = "gtc"


class OrderStatus(StrEnum):
    PENDING_SUBMIT = "pending_submit"
    """Persisted locally, not yet acknowledged by the broker."""
    NEW = "new"
    ACCEPTED = "accepted"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELED = "canceled"
    REJECTED = "rejected"
    EXPIRED = "expired"

    @property
    def is_terminal(self) -> bool:
        return self in (
            OrderStatus.FILLED,
            OrderStatus.CANCELED,
            OrderStatus.REJECTED,
            OrderStatus.EXPIRED,
        )


def client_order_id_for(thread_id: str, decision_id: str, ticker: str, leg: str = "entry") -> str:
    """Deterministic broker idempotency key from (thread, decision, ticker, leg).

    Why deterministic: after a crash the same intent must map to the same id, so a resubmission is
    recognised by the broker (Alpaca answers 422 on a duplicate id) or found by lookup.
    """
    digest = hashlib.sha256(f"{thread_id}|{decision_id}|{ticker}|{leg}".encode()).hexdigest()
    return f"hg-{digest[:32]}"


class OrderIntent(DomainModel):
    """An order we intend to place; the gate judges it and execution persists it before sending."""

    client_order_id: str
    decision_id: str
    thread_id: str
    ticker: str
    side: OrderSide
    qty: Decimal = Field(gt=0)
    order_type: OrderType = OrderType.MARKET
    time_in_force: TimeInForce = TimeInForce.DAY
    limit_price: Decimal | None = Field(default=None, gt=0)
    reference_price: Decimal = Field(gt=0)
    """Price the decision was made at; the gate sizes notional and checks price sanity with it."""
    reduces_position: bool = False
    """True for sells of a long / buys covering a short: exits that the gate never blocks."""
    stop_loss: Decimal | None = Field(default=None, gt=0)
    take_profit: Decimal | None = Field(default=None, gt=0)
    created_at: datetime

    @property
    def notional(self) -> Decimal:
        return self.qty * self.reference_price


class Order(DomainModel):
    """The broker's view of an order, keyed by our ``client_order_id``."""

    broker_order_id: str
    client_order_id: str
    ticker: str
    side: OrderSide
    qty: Decimal
    order_type: OrderType = OrderType.MARKET
    status: OrderStatus
    filled_qty: Decimal = Decimal(0)
    filled_avg_price: Decimal | None = None
    limit_price: Decimal | None = None
    submitted_at: datetime
    updated_at: datetime | None = None


class Fill(DomainModel):
    broker_order_id: str
    client_order_id: str
    ticker: str
    side: OrderSide
    qty: Decimal = Field(gt=0)
    price: Decimal = Field(gt=0)
    filled_at: datetime
