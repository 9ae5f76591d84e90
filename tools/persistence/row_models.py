"""Rows of the intents and orders tables back into domain values (one place for both)."""

from __future__ import annotations

from domain import Order, OrderIntent, OrderSide, OrderStatus, OrderType, TimeInForce
from tools.persistence.schema import OrderIntentRow, OrderRow

__all__ = ["intent_from_row", "order_from_row"]


def intent_from_row(row: OrderIntentRow) -> OrderIntent:
    return OrderIntent(
        client_order_id=row.client_order_id,
        decision_id=row.decision_id,
        thread_id=row.thread_id,
        ticker=row.ticker,
        side=OrderSide(row.side),
        qty=row.qty,
        order_type=OrderType(row.order_type),
        time_in_force=TimeInForce(row.time_in_force),
        limit_price=row.limit_price,
        reference_price=row.reference_price,
        reduces_position=row.reduces_position,
        stop_loss=row.stop_loss,
        take_profit=row.take_profit,
        created_at=row.created_at,
    )


def order_from_row(row: OrderRow) -> Order:
    return Order(
        broker_order_id=row.broker_order_id,
        client_order_id=row.client_order_id,
        ticker=row.ticker,
        side=OrderSide(row.side),
        qty=row.qty,
        order_type=OrderType(row.order_type),
        status=OrderStatus(row.status),
        filled_qty=row.filled_qty,
        filled_avg_price=row.filled_avg_price,
        limit_price=row.limit_price,
        submitted_at=row.submitted_at,
        updated_at=row.updated_at,
    )
