"""The local paper broker: fills, slippage, persistence, idempotency, limit orders, cancels."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain import OrderSide, OrderStatus, OrderType
from tests.unit.brokers.conftest import PriceBoard
from tests.unit.risk.factory import intent
from tools.brokers.base import Broker, BrokerError, OrderRejectedError
from tools.brokers.paper import PaperBroker
from tools.clock import FixedClock


def test_is_a_broker(paper: PaperBroker) -> None:
    assert isinstance(paper, Broker)


def test_market_buy_fills_at_price_plus_slippage_and_moves_cash(paper: PaperBroker) -> None:
    order = paper.submit_order(intent(qty="10"), Decimal(10))
    assert order.status is OrderStatus.FILLED
    assert order.filled_qty == Decimal(10)
    assert order.filled_avg_price == Decimal("100.1")  # 10 bps
    pf = paper.portfolio()
    assert pf.cash == Decimal("100000") - Decimal("1001")
    assert pf.positions["AAPL"].qty == Decimal(10)
    assert pf.equity == pf.cash + Decimal(1000)  # marked at the price source


def test_submit_is_idempotent_on_client_order_id(paper: PaperBroker) -> None:
    it = intent(qty="10")
    first = paper.submit_order(it, Decimal(10))
    second = paper.submit_order(it, Decimal(10))
    assert first == second
    assert paper.portfolio().positions["AAPL"].qty == Decimal(10)
    assert len(paper.all_orders()) == 1


def test_state_survives_a_new_process(
    paper: PaperBroker, paper_url: str, prices: PriceBoard, clock: FixedClock
) -> None:
    it = intent(qty="10")
    paper.submit_order(it, Decimal(10))
    reopened = PaperBroker(
        database_url=paper_url,
        starting_cash=Decimal("5"),  # ignored: the account already exists
        slippage_bps=10,
        price_source=prices,
        clock=clock,
    )
    assert reopened.portfolio().cash == paper.portfolio().cash
    assert reopened.get_order_by_client_id(it.client_order_id) is not None
    assert (
        reopened.submit_order(it, Decimal(10)).broker_order_id
        == paper.all_orders()[0].broker_order_id
    )
    assert reopened.portfolio().positions["AAPL"].qty == Decimal(10)


def test_sell_reduces_and_keeps_entry_price(paper: PaperBroker, prices: PriceBoard) -> None:
    paper.submit_order(intent(qty="10"), Decimal(10))
    prices.prices["AAPL"] = Decimal("110")
    sold = paper.submit_order(intent(side=OrderSide.SELL, qty="4"), Decimal(4))
    assert sold.filled_avg_price == Decimal("109.89")
    pos = paper.portfolio().positions["AAPL"]
    assert pos.qty == Decimal(6)
    assert pos.avg_entry_price == Decimal("100.1")


def test_closing_a_position_removes_it(paper: PaperBroker) -> None:
    paper.submit_order(intent(qty="10"), Decimal(10))
    paper.submit_order(intent(side=OrderSide.SELL, qty="10"), Decimal(10))
    assert "AAPL" not in paper.portfolio().positions


def test_limit_order_rests_then_fills_when_marketable(
    paper: PaperBroker, prices: PriceBoard
) -> None:
    it = intent(qty="5", order_type=OrderType.LIMIT, limit_price=Decimal("95"))
    order = paper.submit_order(it, Decimal(5))
    assert order.status is OrderStatus.NEW
    assert paper.open_orders() == [order]
    assert paper.work_open_orders() == []
    prices.prices["AAPL"] = Decimal("94")
    (filled,) = paper.work_open_orders()
    assert filled.status is OrderStatus.FILLED
    assert filled.filled_avg_price == Decimal("94.094")
    assert paper.open_orders() == []


def test_cancel_keeps_a_fill_and_cancels_a_working_order(paper: PaperBroker) -> None:
    filled = paper.submit_order(intent(qty="1"), Decimal(1))
    paper.cancel_order(filled.broker_order_id)
    assert paper.get_order_by_client_id(filled.client_order_id).status is OrderStatus.FILLED
    resting = paper.submit_order(
        intent(qty="1", order_type=OrderType.LIMIT, limit_price=Decimal("90")), Decimal(1)
    )
    paper.cancel_order(resting.broker_order_id)
    paper.cancel_order(resting.broker_order_id)  # idempotent
    assert paper.get_order_by_client_id(resting.client_order_id).status is OrderStatus.CANCELED
    with pytest.raises(BrokerError):
        paper.cancel_order("no-such-order")


def test_buy_beyond_cash_is_rejected_not_filled(paper: PaperBroker) -> None:
    order = paper.submit_order(intent(qty="2000"), Decimal(2000))
    assert order.status is OrderStatus.REJECTED
    assert paper.portfolio().cash == Decimal("100000")


def test_zero_quantity_is_refused(paper: PaperBroker) -> None:
    with pytest.raises(OrderRejectedError):
        paper.submit_order(intent(), Decimal(0))


def test_bad_price_source_raises_a_broker_error_and_stores_nothing(
    paper: PaperBroker, prices: PriceBoard
) -> None:
    prices.prices["AAPL"] = Decimal(0)
    with pytest.raises(BrokerError):
        paper.submit_order(intent(), Decimal(1))
    assert paper.all_orders() == []
