"""Orders carry their bracket linkage, and orders checkpointed before it existed still load."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from domain import Order, OrderLeg, OrderSide, OrderStatus, OrderType
from graph.checkpoints.serde import checkpoint_serializer

NOW = datetime(2026, 8, 14, 15, 0, tzinfo=UTC)
OLD_PAYLOAD = {  # an Order as checkpoints stored it before legs had a parent
    "broker_order_id": "b1",
    "client_order_id": "hg-1",
    "ticker": "AAPL",
    "side": "buy",
    "qty": "9",
    "order_type": "market",
    "status": "filled",
    "filled_qty": "9",
    "filled_avg_price": "100",
    "limit_price": None,
    "submitted_at": NOW.isoformat(),
    "updated_at": None,
}


def test_an_order_stored_before_the_linkage_still_validates() -> None:
    order = Order.model_validate(OLD_PAYLOAD)
    assert order.parent_client_order_id is None and order.leg is None and order.legs == ()


def test_a_bracket_entry_and_its_legs_survive_a_checkpoint() -> None:
    leg = Order(
        broker_order_id="b2",
        client_order_id="leg-1",
        ticker="AAPL",
        side=OrderSide.SELL,
        qty=Decimal(9),
        order_type=OrderType.LIMIT,
        status=OrderStatus.NEW,
        limit_price=Decimal(110),
        submitted_at=NOW,
        parent_client_order_id="hg-1",
        leg=OrderLeg.TAKE_PROFIT,
    )
    entry = Order.model_validate(OLD_PAYLOAD).model_copy(update={"legs": (leg,)})
    serde = checkpoint_serializer()
    assert serde.loads_typed(serde.dumps_typed(entry)) == entry
    assert entry.legs[0].remaining_qty == 9 and entry.legs[0].working
