"""Translation between alpaca-py's models and our domain, in one place.

Why separate: the broker class handles transport and errors; this module only knows the two
vocabularies. Decimals go through ``str`` so no float ever touches money or quantity.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from alpaca.trading.enums import OrderClass
from alpaca.trading.enums import OrderSide as AlpacaSide
from alpaca.trading.enums import OrderStatus as AlpacaStatus
from alpaca.trading.enums import TimeInForce as AlpacaTif
from alpaca.trading.models import Order as AlpacaOrder
from alpaca.trading.requests import (
    LimitOrderRequest,
    MarketOrderRequest,
    OrderRequest,
    StopLossRequest,
    StopOrderRequest,
    TakeProfitRequest,
)

from domain import (
    AssetStatus,
    Order,
    OrderIntent,
    OrderLeg,
    OrderSide,
    OrderStatus,
    OrderType,
    Position,
)

__all__ = [
    "asset_status",
    "is_multi_leg",
    "order_from_alpaca",
    "order_request",
    "position_from_alpaca",
]

_STATUS = {
    AlpacaStatus.NEW: OrderStatus.NEW,
    AlpacaStatus.PENDING_NEW: OrderStatus.NEW,
    AlpacaStatus.ACCEPTED: OrderStatus.ACCEPTED,
    AlpacaStatus.ACCEPTED_FOR_BIDDING: OrderStatus.ACCEPTED,
    AlpacaStatus.HELD: OrderStatus.ACCEPTED,
    AlpacaStatus.PENDING_REVIEW: OrderStatus.ACCEPTED,
    AlpacaStatus.CALCULATED: OrderStatus.ACCEPTED,
    AlpacaStatus.PENDING_CANCEL: OrderStatus.ACCEPTED,
    AlpacaStatus.PENDING_REPLACE: OrderStatus.ACCEPTED,
    AlpacaStatus.STOPPED: OrderStatus.ACCEPTED,
    AlpacaStatus.SUSPENDED: OrderStatus.ACCEPTED,
    AlpacaStatus.PARTIALLY_FILLED: OrderStatus.PARTIALLY_FILLED,
    AlpacaStatus.FILLED: OrderStatus.FILLED,
    AlpacaStatus.CANCELED: OrderStatus.CANCELED,
    AlpacaStatus.REPLACED: OrderStatus.CANCELED,
    AlpacaStatus.EXPIRED: OrderStatus.EXPIRED,
    AlpacaStatus.DONE_FOR_DAY: OrderStatus.EXPIRED,
    AlpacaStatus.REJECTED: OrderStatus.REJECTED,
}


_TYPES = {"limit": OrderType.LIMIT, "stop": OrderType.STOP, "market": OrderType.MARKET}


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def order_request(intent: OrderIntent, qty: Decimal, *, fractionable: bool) -> OrderRequest:
    """The alpaca-py request for ``qty`` of ``intent``.

    An entry with both a stop-loss and a take-profit becomes a bracket (broker-side legs survive
    our process dying). Brackets need whole shares, so a fractional quantity is sent simple and the
    position monitor guards it. Fractional quantities need a fractionable asset and a DAY order.
    """
    whole = qty == qty.to_integral_value()
    if not whole and not fractionable:
        raise ValueError(f"{intent.ticker} is not fractionable; quantity {qty} must be whole")
    fields: dict[str, Any] = {
        "symbol": intent.ticker,
        "qty": float(qty) if not whole else int(qty),
        "side": AlpacaSide.BUY if intent.side is OrderSide.BUY else AlpacaSide.SELL,
        "time_in_force": AlpacaTif(intent.time_in_force.value) if whole else AlpacaTif.DAY,
        "client_order_id": intent.client_order_id,
    }
    bracket = (
        whole
        and not intent.reduces_position
        and intent.stop_loss is not None
        and intent.take_profit is not None
    )
    if bracket:
        fields["order_class"] = OrderClass.BRACKET
        fields["take_profit"] = TakeProfitRequest(limit_price=float(intent.take_profit or 0))
        fields["stop_loss"] = StopLossRequest(stop_price=float(intent.stop_loss or 0))
    if intent.order_type is OrderType.LIMIT:
        if intent.limit_price is None:
            raise ValueError("a limit order needs a limit_price")
        return LimitOrderRequest(limit_price=float(intent.limit_price), **fields)
    if intent.order_type is OrderType.STOP:
        if intent.stop_loss is None:
            raise ValueError("a stop order needs a stop_loss price")
        fields.pop("order_class", None)
        fields.pop("take_profit", None)
        fields.pop("stop_loss", None)
        return StopOrderRequest(stop_price=float(intent.stop_loss), **fields)
    return MarketOrderRequest(**fields)


def is_multi_leg(order: AlpacaOrder) -> bool:
    """A bracket / OCO / OTO order: a parent with legs, or one of those legs."""
    return order.order_class not in (None, OrderClass.SIMPLE)


def _leg_name(order: AlpacaOrder) -> OrderLeg:
    """A bracket's limit leg takes the profit; its stop (or stop-limit) leg stops the loss."""
    kind = str(getattr(order.type or order.order_type, "value", ""))
    return OrderLeg.TAKE_PROFIT if kind == "limit" else OrderLeg.STOP_LOSS


def order_from_alpaca(
    order: AlpacaOrder | dict[str, Any], *, parent_client_order_id: str | None = None
) -> Order:
    """Our view of an Alpaca order; nested legs become ``legs`` linked to this order."""
    if isinstance(order, dict):  # raw_data clients; ours never are, but the type allows it
        order = AlpacaOrder(**order)
    status = _STATUS.get(AlpacaStatus(order.status), OrderStatus.ACCEPTED)
    submitted = order.submitted_at or order.created_at or datetime.now(UTC)
    legs = tuple(
        order_from_alpaca(leg, parent_client_order_id=order.client_order_id)
        for leg in order.legs or ()
    )
    return Order(
        broker_order_id=str(order.id),
        client_order_id=order.client_order_id,
        ticker=str(order.symbol),
        side=OrderSide(order.side.value if order.side is not None else "buy"),
        qty=_dec(order.qty) or Decimal(0),
        order_type=_TYPES.get(str(getattr(order.type, "value", "")), OrderType.MARKET),
        status=status,
        filled_qty=_dec(order.filled_qty) or Decimal(0),
        filled_avg_price=_dec(order.filled_avg_price),
        limit_price=_dec(order.limit_price),
        submitted_at=submitted,
        updated_at=order.updated_at,
        parent_client_order_id=parent_client_order_id,
        leg=_leg_name(order) if parent_client_order_id is not None else None,
        legs=legs,
    )


def position_from_alpaca(raw: Any) -> Position:
    qty = Decimal(str(raw.qty))
    if str(getattr(raw.side, "value", raw.side)) == "short" and qty > 0:
        qty = -qty
    return Position(
        symbol=raw.symbol,
        qty=qty,
        avg_entry_price=Decimal(str(raw.avg_entry_price)),
        market_price=_dec(raw.current_price),
    )


def asset_status(raw: Any) -> AssetStatus:
    return AssetStatus(
        symbol=raw.symbol,
        tradable=bool(raw.tradable),
        halted=str(getattr(raw.status, "value", raw.status)) != "active",
        shortable=bool(raw.shortable),
        fractionable=bool(raw.fractionable),
    )
