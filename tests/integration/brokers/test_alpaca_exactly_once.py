"""Exactly once through the real alpaca-py client against the fake Trading API, fault by fault."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from domain import OrderIntent, OrderSide, OrderStatus, OrderType, client_order_id_for
from graph.execution.exactly_once import submit_exactly_once
from tests.fakes.alpaca_trading_server import FakeAlpaca
from tools.brokers.alpaca import AlpacaBroker
from tools.brokers.base import Broker, DuplicateClientOrderIdError, OrderRejectedError
from tools.persistence.sql_ledger import SqlLedger

pytestmark = pytest.mark.integration


def _intent(decision: str = "d1", qty: str = "10", **kw: object) -> OrderIntent:
    return OrderIntent(
        client_order_id=client_order_id_for("thread-a", decision, "AAPL"),
        decision_id=decision,
        thread_id="thread-a",
        ticker="AAPL",
        side=kw.pop("side", OrderSide.BUY),  # type: ignore[arg-type]
        qty=Decimal(qty),
        reference_price=Decimal("100"),
        created_at=datetime.now(UTC),
        **kw,  # type: ignore[arg-type]
    )


def _submit(it: OrderIntent, alpaca: AlpacaBroker, ledger: SqlLedger):
    return submit_exactly_once(it, it.qty, broker=alpaca, ledger=ledger, wait_seconds=0.05)


def test_alpaca_broker_is_a_broker(alpaca: AlpacaBroker) -> None:
    assert isinstance(alpaca, Broker)


@pytest.mark.parametrize(
    ("fault", "status", "filled"),
    [
        (None, OrderStatus.FILLED, "10"),
        ("timeout_after_accept", OrderStatus.FILLED, "10"),
        ("timeout_before_accept", OrderStatus.FILLED, "10"),
        ("5xx_after_accept", OrderStatus.FILLED, "10"),
        ("5xx_before_accept", OrderStatus.FILLED, "10"),
        ("429", OrderStatus.FILLED, "10"),
        ("partial", OrderStatus.PARTIALLY_FILLED, "5"),
        ("hidden", OrderStatus.FILLED, "10"),
        ("rest", OrderStatus.ACCEPTED, "0"),
    ],
)
def test_each_fault_ends_with_exactly_one_order_and_matching_local_state(
    fake: FakeAlpaca, alpaca: AlpacaBroker, ledger: SqlLedger, fault: str | None, status, filled
) -> None:
    if fault:
        fake.faults.append(fault)
    it = _intent()
    order = _submit(it, alpaca, ledger)
    assert fake.submissions_for(it.client_order_id) == 1
    remote = fake.by_client_id(it.client_order_id)
    assert remote is not None
    assert order.broker_order_id == remote["id"]
    assert order.status is status
    assert order.filled_qty == Decimal(filled)
    assert ledger.order(it.client_order_id) == order
    assert ledger.intent(it.client_order_id) == it


def test_duplicate_id_422_adopts_the_existing_order(
    fake: FakeAlpaca, alpaca: AlpacaBroker, ledger: SqlLedger
) -> None:
    it = _intent()
    first = alpaca.submit_order(it, it.qty)  # sent by a run that crashed before recording
    fake.lookup_misses = 1  # ... and the pre-submit lookup does not see it yet, so we submit again
    order = submit_exactly_once(it, it.qty, broker=alpaca, ledger=ledger, wait_seconds=0.05)
    assert order.broker_order_id == first.broker_order_id
    assert fake.submissions_for(it.client_order_id) == 1
    assert fake.log.count(("POST", "/v2/orders")) == 2  # the resubmission was answered 422
    with pytest.raises(DuplicateClientOrderIdError):  # typed as a duplicate, not as a timeout
        alpaca.submit_order(it, it.qty)


def test_failing_lookups_are_retried_before_anything_is_sent(
    fake: FakeAlpaca, alpaca: AlpacaBroker, ledger: SqlLedger
) -> None:
    it = _intent()
    first = alpaca.submit_order(it, it.qty)
    fake.lookup_faults = 2
    posts = fake.log.count(("POST", "/v2/orders"))
    order = _submit(it, alpaca, ledger)
    assert order.broker_order_id == first.broker_order_id
    assert fake.log.count(("POST", "/v2/orders")) == posts


def test_rejection_is_typed_and_creates_nothing(
    fake: FakeAlpaca, alpaca: AlpacaBroker, ledger: SqlLedger
) -> None:
    fake.faults.append("reject")
    it = _intent()
    with pytest.raises(OrderRejectedError):
        _submit(it, alpaca, ledger)
    assert fake.submissions_for(it.client_order_id) == 0
    assert ledger.order(it.client_order_id) is None
    assert ledger.intent(it.client_order_id) == it


def test_hidden_order_is_missing_from_lists_but_found_by_id(
    fake: FakeAlpaca, alpaca: AlpacaBroker, ledger: SqlLedger
) -> None:
    fake.faults.append("hidden")
    it = _intent(order_type=OrderType.LIMIT, limit_price=Decimal("90"))
    order = _submit(it, alpaca, ledger)
    assert order.status is OrderStatus.ACCEPTED
    assert alpaca.open_orders() == []
    assert alpaca.get_order_by_client_id(it.client_order_id) == order
    assert _submit(it, alpaca, ledger) == order  # a resume adopts it
    assert fake.submissions_for(it.client_order_id) == 1


def test_cancel_racing_a_fill_keeps_the_fill(fake: FakeAlpaca, alpaca: AlpacaBroker) -> None:
    fake.faults.append("rest")
    it = _intent()
    order = alpaca.submit_order(it, it.qty)
    fake.fill_on_cancel = True
    alpaca.cancel_order(order.broker_order_id)  # loses the race: no error
    after = alpaca.get_order_by_client_id(it.client_order_id)
    assert after is not None and after.status is OrderStatus.FILLED
    assert alpaca.portfolio().positions["AAPL"].qty == Decimal(10)


def test_cancel_of_a_working_order(fake: FakeAlpaca, alpaca: AlpacaBroker) -> None:
    fake.faults.append("rest")
    order = alpaca.submit_order(_intent(), Decimal(10))
    alpaca.cancel_order(order.broker_order_id)
    assert fake.orders[order.broker_order_id]["status"] == "canceled"


def test_bracket_entry_carries_stop_and_target_legs(fake: FakeAlpaca, alpaca: AlpacaBroker) -> None:
    it = _intent(stop_loss=Decimal("95"), take_profit=Decimal("110"))
    order = alpaca.submit_order(it, it.qty)
    remote = fake.orders[order.broker_order_id]
    assert remote["order_class"] == "bracket"
    legs = {leg["type"]: leg for leg in remote["legs"]}
    assert Decimal(legs["stop"]["stop_price"]) == Decimal(95)
    assert Decimal(legs["limit"]["limit_price"]) == Decimal(110)


def test_fractional_quantity_on_a_fractionable_asset(
    fake: FakeAlpaca, alpaca: AlpacaBroker
) -> None:
    order = alpaca.submit_order(_intent(qty="0.5"), Decimal("0.5"))
    assert order.filled_qty == Decimal("0.5")
    fake.assets["MSFT"] = {"fractionable": False}
    msft = _intent("d2", qty="0.5").model_copy(update={"ticker": "MSFT"})
    with pytest.raises(OrderRejectedError):
        alpaca.submit_order(msft, Decimal("0.5"))


def test_portfolio_clock_and_asset_read_the_wire_format(
    fake: FakeAlpaca, alpaca: AlpacaBroker
) -> None:
    alpaca.submit_order(_intent(), Decimal(10))
    pf = alpaca.portfolio()
    assert pf.cash == Decimal("99000")
    assert pf.equity == Decimal("100000")
    assert pf.positions["AAPL"].qty == Decimal(10)
    assert pf.account_id == fake.account_number
    assert alpaca.market_open() is True
    fake.is_open = False
    assert alpaca.market_open() is False
    fake.assets["AAPL"] = {"status": "inactive"}
    assert alpaca.asset("AAPL").halted is True


def test_short_side_position_is_negative(fake: FakeAlpaca, alpaca: AlpacaBroker) -> None:
    alpaca.submit_order(_intent(side=OrderSide.SELL, qty="3"), Decimal(3))
    assert alpaca.portfolio().positions["AAPL"].qty == Decimal(-3)


def test_protective_stop_order_goes_out_as_a_gtc_stop(
    fake: FakeAlpaca, alpaca: AlpacaBroker
) -> None:
    from domain import TimeInForce

    alpaca.submit_order(_intent(), Decimal(10))
    stop = _intent(
        "d-stop",
        side=OrderSide.SELL,
        reduces_position=True,
        order_type=OrderType.STOP,
        time_in_force=TimeInForce.GTC,
        stop_loss=Decimal("95"),
    )
    order = alpaca.submit_order(stop, Decimal(10))
    remote = fake.orders[order.broker_order_id]
    assert (remote["type"], remote["time_in_force"], Decimal(remote["stop_price"])) == (
        "stop",
        "gtc",
        Decimal(95),
    )
    assert order.order_type is OrderType.STOP and order.status is OrderStatus.ACCEPTED


def test_partial_fill_is_tracked_until_the_rest_fills(
    fake: FakeAlpaca, alpaca: AlpacaBroker, ledger: SqlLedger
) -> None:
    from graph.monitor.reconcile import settle_pending

    fake.faults.append("partial")
    it = _intent()
    order = _submit(it, alpaca, ledger)
    assert ledger.order(it.client_order_id).filled_qty == Decimal(5)
    fake.fill(fake.orders[order.broker_order_id])  # the rest fills later at the exchange
    settled, never_sent, differences = settle_pending(alpaca, ledger)
    assert settled == [it.client_order_id] and never_sent == [] and differences == []
    recorded = ledger.order(it.client_order_id)
    assert recorded.status is OrderStatus.FILLED and recorded.filled_qty == Decimal(10)
    assert fake.submissions_for(it.client_order_id) == 1


def test_notional_order_on_a_fractionable_asset(fake: FakeAlpaca, alpaca: AlpacaBroker) -> None:
    order = alpaca.submit_notional(_intent(), Decimal("250"))
    assert order.filled_qty == Decimal("2.5")
    assert Decimal(fake.orders[order.broker_order_id]["notional"]) == Decimal(250)
    fake.assets["MSFT"] = {"fractionable": False}
    msft = _intent("d2").model_copy(update={"ticker": "MSFT"})
    with pytest.raises(OrderRejectedError):
        alpaca.submit_notional(msft, Decimal("250"))
