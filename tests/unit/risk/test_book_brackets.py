"""The exposure book holds a bracket's one-cancels-other legs against the position once (9.3).

Scenario table: what an exit may still close, what the legs protect, and what cash working buys
still claim, for bracket legs beside ordinary working orders.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain import Order, OrderLeg, OrderSide, OrderStatus, OrderType
from graph.risk.book import ExposureBook
from tests.unit.risk.factory import NOW, portfolio, snapshot


def _order(cid: str, side: OrderSide, qty: int, **kw: object) -> Order:
    return Order(
        broker_order_id=f"b-{cid}",
        client_order_id=cid,
        ticker="AAPL",
        side=side,
        qty=Decimal(qty),
        status=OrderStatus.NEW,
        submitted_at=NOW,
        **kw,  # type: ignore[arg-type]
    )


def _legs(parent: str, side: OrderSide, qty: int) -> list[Order]:
    return [
        _order(f"{parent}-tp", side, qty, order_type=OrderType.LIMIT, limit_price=Decimal(110),
               parent_client_order_id=parent, leg=OrderLeg.TAKE_PROFIT),
        _order(f"{parent}-sl", side, qty, order_type=OrderType.STOP,
               parent_client_order_id=parent, leg=OrderLeg.STOP_LOSS),
    ]  # fmt: skip


SELL, BUY = OrderSide.SELL, OrderSide.BUY
CASES = [
    # (name, held, open orders, closable, protected, cash claimed)
    ("bracket legs of a long", "9", _legs("e1", SELL, 9), 9, 9, 0),
    ("legs beside a working exit", "9", [*_legs("e1", SELL, 9), _order("x", SELL, 4)], 5, 9, 0),
    ("two brackets, two pairs", "12", [*_legs("e1", SELL, 9), *_legs("e2", SELL, 3)], 12, 12, 0),
    ("cover legs of a short claim cash once, the dearer", "-5", _legs("s1", BUY, 5), 5, 5, 550),
    ("working exits still claim", "9", [_order("x", SELL, 4), _order("y", SELL, 5)], 0, 0, 0),
]  # fmt: skip


@pytest.mark.parametrize(
    ("held", "orders", "closable", "protected", "cash"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_book_brackets(
    held: str, orders: list[Order], closable: int, protected: int, cash: int
) -> None:
    pf = portfolio(cash="10000", positions={"AAPL": (held, "100")})
    book = ExposureBook.from_snapshot(snapshot(pf, open_orders=tuple(orders)))
    assert book.closable("AAPL") == closable
    assert book.protected("AAPL") == protected
    assert pf.cash - book.cash == cash
    assert "AAPL" not in book.entry_symbols, "a protective leg is never an entry"
