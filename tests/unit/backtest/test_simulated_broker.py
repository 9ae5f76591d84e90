"""The simulated broker's fills, by hand: next open, slippage, commission, brackets, gaps."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from domain import Bar, OrderIntent, OrderSide, OrderStatus, OrderType, TimeInForce
from tools.brokers.base import OrderRejectedError
from tools.brokers.simulated import FillReason, SimulatedBroker
from tools.clock import FixedClock

OPEN = datetime(2024, 3, 5, 14, 30, tzinfo=UTC)
CLOSE = datetime(2024, 3, 5, 21, 0, tzinfo=UTC)


def _broker(cash: str = "10000") -> SimulatedBroker:
    return SimulatedBroker(
        starting_cash=Decimal(cash),
        clock=FixedClock(OPEN),
        slippage_bps=10,
        commission_per_share=Decimal("0.02"),
    )


def _intent(
    cid: str,
    side: OrderSide,
    qty: int,
    *,
    stop: str | None = None,
    target: str | None = None,
    reduces: bool = False,
    order_type: OrderType = OrderType.MARKET,
    limit: str | None = None,
    tif: TimeInForce = TimeInForce.DAY,
) -> OrderIntent:
    return OrderIntent(
        client_order_id=cid,
        decision_id=f"d-{cid}",
        thread_id="t",
        ticker="XYZ",
        side=side,
        qty=Decimal(qty),
        order_type=order_type,
        limit_price=Decimal(limit) if limit else None,
        time_in_force=tif,
        reference_price=Decimal(100),
        reduces_position=reduces,
        stop_loss=Decimal(stop) if stop else None,
        take_profit=Decimal(target) if target else None,
        created_at=OPEN,
    )


GTC = TimeInForce.GTC


def _status(broker: SimulatedBroker, cid: str) -> OrderStatus:
    order = broker.get_order_by_client_id(cid)
    assert order is not None
    return order.status


def _bar(o: float, h: float, lo: float, c: float) -> dict[str, Bar]:
    return {"XYZ": Bar(ts=OPEN, open=o, high=h, low=lo, close=c, volume=1000)}


def _session(broker: SimulatedBroker, o: float, h: float, lo: float, c: float) -> list[object]:
    fills = broker.trade_session(_bar(o, h, lo, c), opened_at=OPEN, closed_at=CLOSE)
    return [(f.order.side, f.qty, f.price, f.commission, f.reason, f.gapped) for f in fills]


def test_market_order_rests_then_fills_at_the_next_open() -> None:
    broker = _broker()
    order = broker.submit_order(_intent("a", OrderSide.BUY, 10), Decimal(10))
    assert order.status is OrderStatus.NEW and broker.cash == Decimal(10000)
    assert broker.submit_order(_intent("a", OrderSide.BUY, 10), Decimal(10)) == order  # same id
    # 100 * (1 + 0.001) = 100.1; commission 10 * 0.02 = 0.2; cash 10000 - 1001 - 0.2 = 8998.8.
    assert _session(broker, 100, 104, 99, 103) == [
        (OrderSide.BUY, 10, Decimal("100.1000"), Decimal("0.20"), FillReason.OPEN, False)
    ]
    assert broker.cash == Decimal("8998.8")
    # Valued at the close: 8998.8 + 10 * 103 = 10028.8.
    assert broker.portfolio().equity == Decimal("10028.8")
    assert broker.open_orders() == []


def test_bracket_target_in_range_fills_at_the_limit_and_cancels_the_stop() -> None:
    broker = _broker()
    broker.submit_order(_intent("b", OrderSide.BUY, 10, stop="95", target="106"), Decimal(10))
    _session(broker, 100, 102, 99, 101)  # entry at 100.1; neither level reached
    legs = broker.open_orders()
    assert sorted(o.order_type.value for o in legs) == ["limit", "stop"]
    assert all(o.parent_client_order_id == "b" and o.qty == 10 for o in legs)
    # The target is a limit: it fills at 106 (no slippage), commission 0.2.
    assert _session(broker, 101, 107, 100, 105) == [
        (OrderSide.SELL, 10, Decimal("106.0000"), Decimal("0.20"), FillReason.TAKE_PROFIT, False)
    ]
    assert broker.open_orders() == [] and broker.portfolio().positions == {}
    statuses = sorted(o.status.value for o in broker.all_orders() if o.parent_client_order_id)
    assert statuses == ["canceled", "filled"]


def test_a_bar_reaching_both_levels_takes_the_stop() -> None:
    broker = _broker()
    broker.submit_order(_intent("c", OrderSide.BUY, 10, stop="95", target="106"), Decimal(10))
    _session(broker, 100, 102, 99, 101)
    # Low 94 and high 107: the stop is assumed first, at 95 * (1 - 0.001) = 94.905.
    assert _session(broker, 101, 107, 94, 100) == [
        (OrderSide.SELL, 10, Decimal("94.9050"), Decimal("0.20"), FillReason.STOP_LOSS, False)
    ]


def test_gaps_fill_at_the_open() -> None:
    up, down = _broker(), _broker()
    for broker in (up, down):
        broker.submit_order(_intent("g", OrderSide.BUY, 10, stop="95", target="106"), Decimal(10))
        _session(broker, 100, 102, 99, 101)
    # Opens above the target: the limit fills at the better open, 110.
    assert _session(up, 110, 111, 109, 110) == [
        (OrderSide.SELL, 10, Decimal("110.0000"), Decimal("0.20"), FillReason.TAKE_PROFIT, True)
    ]
    # Opens below the stop: filled at the open less slippage, 90 * 0.999 = 89.91.
    assert _session(down, 90, 92, 88, 91) == [
        (OrderSide.SELL, 10, Decimal("89.9100"), Decimal("0.20"), FillReason.STOP_LOSS, True)
    ]


def test_a_sell_that_closes_the_position_ends_its_legs() -> None:
    broker = _broker()
    broker.submit_order(_intent("e", OrderSide.BUY, 10, stop="95", target="106"), Decimal(10))
    _session(broker, 100, 102, 99, 101)
    broker.submit_order(_intent("x", OrderSide.SELL, 10, reduces=True), Decimal(10))
    # Sold at 102 * 0.999 = 101.898; the legs are cancelled, not filled on this bar's 107 high.
    assert _session(broker, 102, 107, 101, 103) == [
        (OrderSide.SELL, 10, Decimal("101.8980"), Decimal("0.20"), FillReason.OPEN, False)
    ]
    assert broker.open_orders() == []


def test_day_orders_without_a_bar_expire_and_unaffordable_buys_are_rejected() -> None:
    broker = _broker(cash="1000")
    broker.submit_order(_intent("d", OrderSide.BUY, 5), Decimal(5))
    assert broker.trade_session({}, opened_at=OPEN, closed_at=CLOSE) == []
    assert _status(broker, "d") is OrderStatus.EXPIRED
    # 10 * 100.1 + 0.2 = 1001.2 > 1000 cash.
    broker.submit_order(_intent("r", OrderSide.BUY, 10), Decimal(10))
    assert _session(broker, 100, 101, 99, 100) == []
    assert _status(broker, "r") is OrderStatus.REJECTED
    assert broker.cash == Decimal(1000)


def test_short_then_cover() -> None:
    broker = _broker()
    broker.submit_order(_intent("s", OrderSide.SELL, 10), Decimal(10))
    _session(broker, 100, 101, 99, 98)  # short 10 at 99.9; cash 10000 + 999 - 0.2 = 10998.8
    assert broker.cash == Decimal("10998.8")
    assert broker.portfolio().equity == Decimal("10998.8") - 10 * Decimal(98)
    broker.submit_order(_intent("cv", OrderSide.BUY, 10, reduces=True), Decimal(10))
    _session(broker, 97, 98, 96, 97)  # covered at 97.097: cash 10998.8 - 970.97 - 0.2
    assert broker.cash == Decimal("10027.63") and broker.portfolio().positions == {}


def test_resting_limit_and_stop_orders() -> None:
    broker = _broker()
    broker.submit_order(
        _intent("l", OrderSide.BUY, 5, order_type=OrderType.LIMIT, limit="97"), Decimal(5)
    )
    assert _session(broker, 100, 101, 98, 99) == []  # day order, 97 not reached: expired
    assert _status(broker, "l") is OrderStatus.EXPIRED
    broker.submit_order(
        _intent("l2", OrderSide.BUY, 5, order_type=OrderType.LIMIT, limit="97", tif=GTC),
        Decimal(5),
    )
    assert _session(broker, 100, 101, 96, 99) == [
        (OrderSide.BUY, 5, Decimal("97.0000"), Decimal("0.10"), FillReason.LIMIT, False)
    ]
    broker.submit_order(
        _intent("st", OrderSide.SELL, 5, order_type=OrderType.STOP, stop="95", reduces=True),
        Decimal(5),
    )
    # A day stop: 96..99 does not reach 95, so it expires; the next session's 93 low is not seen.
    assert _session(broker, 98, 99, 96, 97) == []
    assert _session(broker, 96, 97, 93, 94) == []
    assert _status(broker, "st") is OrderStatus.EXPIRED
    with pytest.raises(OrderRejectedError):
        broker.submit_order(_intent("z", OrderSide.BUY, 1), Decimal(0))
