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
    "OrderLeg",
    "OrderSide",
    "OrderStatus",
    "OrderType",
    "TimeInForce",
    "client_order_id_for",
    "closing_side",
]


class OrderSide(StrEnum):
    BUY = "buy"
    SELL = "sell"


def closing_side(held_qty: Decimal) -> OrderSide:
    """The side that shrinks a signed position: sell a long, buy back a short (one home)."""
    return OrderSide.SELL if held_qty > 0 else OrderSide.BUY


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


class OrderLeg(StrEnum):
    """Which protective leg of a bracket entry an order is.

    The two legs of one entry are one-cancels-other: when one fills the broker cancels the other,
    so together they hold the entry's position once, never twice.
    """

    TAKE_PROFIT = "take_profit"
    STOP_LOSS = "stop_loss"


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
    parent_client_order_id: str | None = None
    """For a bracket leg: the entry it protects (legs belong to their parent's thread)."""
    leg: OrderLeg | None = None
    """For a bracket leg: take-profit or stop-loss; ``None`` for an ordinary order."""
    legs: tuple[Order, ...] = ()
    """A bracket entry's legs as the broker last reported them; empty when it reported none."""

    @property
    def working(self) -> bool:
        """The broker may still fill some of it."""
        return not self.status.is_terminal

    @property
    def remaining_qty(self) -> Decimal:
        return max(self.qty - self.filled_qty, Decimal(0))


class Fill(DomainModel):
    broker_order_id: str
    client_order_id: str
    ticker: str
    side: OrderSide
    qty: Decimal = Field(gt=0)
    price: Decimal = Field(gt=0)
    filled_at: datetime
