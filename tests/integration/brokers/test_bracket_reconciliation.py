"""Bracket entries and reconciliation agree (issue 9.3), against the fake Alpaca Trading API.

The real alpaca-py client talks to the local server; the real SQL ledger records. A bracket
entry's take-profit and stop legs belong to it: reconciliation records them as orders of the
entry's thread instead of halting on them, a leg's fill reaches the ledger, and the gate holds the
one-cancels-other pair against the position once, so the PM may still sell.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from domain import (
    GateOutcome,
    OrderIntent,
    OrderLeg,
    OrderSide,
    TradingStatus,
    client_order_id_for,
)
from graph.execution.exactly_once import submit_exactly_once
from graph.monitor.reconcile import reconcile
from graph.risk.gate import evaluate_intents
from graph.risk.snapshot import GateSnapshot
from tests.fakes.alpaca_trading_server import FakeAlpaca
from tests.unit.risk.factory import limits, market
from tools.brokers.alpaca import AlpacaBroker
from tools.brokers.base import OrderRejectedError
from tools.clock import SystemClock
from tools.persistence.sql_ledger import SqlLedger

pytestmark = pytest.mark.integration
THREAD = "cycle-brackets"


def _intent(decision: str, *, side: OrderSide = OrderSide.BUY, **kw: object) -> OrderIntent:
    return OrderIntent(
        client_order_id=client_order_id_for(THREAD, decision, "AAPL"),
        decision_id=decision,
        thread_id=THREAD,
        ticker="AAPL",
        side=side,
        qty=Decimal(9),
        reference_price=Decimal(100),
        created_at=datetime.now(UTC),
        **kw,  # type: ignore[arg-type]
    )


def _bracket_entry(alpaca: AlpacaBroker, ledger: SqlLedger) -> OrderIntent:
    entry = _intent("d-entry", stop_loss=Decimal(95), take_profit=Decimal(110))
    order = submit_exactly_once(entry, entry.qty, broker=alpaca, ledger=ledger)
    assert order.filled_qty == 9
    return entry


def _reconcile(alpaca: AlpacaBroker, ledger: SqlLedger) -> tuple[str, ...]:
    return reconcile(broker=alpaca, ledger=ledger, clock=SystemClock()).differences


def test_an_entrys_own_legs_are_not_unknown_orders(
    fake: FakeAlpaca, alpaca: AlpacaBroker, ledger: SqlLedger
) -> None:
    entry = _bracket_entry(alpaca, ledger)

    assert _reconcile(alpaca, ledger) == ()
    assert ledger.trading_state().status is TradingStatus.ACTIVE
    legs = [
        o for o in ledger.orders_for_thread(THREAD) if o.client_order_id != entry.client_order_id
    ]
    assert sorted((o.side.value, o.order_type.value) for o in legs) == [
        ("sell", "limit"),
        ("sell", "stop"),
    ]
    decisions = {i.decision_id for i in ledger.intents_for_thread(THREAD)}
    assert decisions == {"d-entry"}, "legs belong to the entry's decision (invariant 6)"


def test_a_take_profit_fill_reaches_the_ledger_and_the_books_agree(
    fake: FakeAlpaca, alpaca: AlpacaBroker, ledger: SqlLedger
) -> None:
    entry = _bracket_entry(alpaca, ledger)
    assert _reconcile(alpaca, ledger) == ()
    fake.prices["AAPL"] = Decimal(111)
    (filled,) = fake.work()  # the take-profit fills; the exchange cancels its OCO sibling
    assert filled["type"] == "limit"

    assert _reconcile(alpaca, ledger) == ()
    assert ledger.net_positions() == {}
    fills = ledger.fills.fills_for_order(filled["client_order_id"])
    assert [(f.side, f.qty) for f in fills] == [(OrderSide.SELL, Decimal(9))]
    statuses = {
        o.order_type.value: o.status.value
        for o in ledger.orders_for_thread(THREAD)
        if o.client_order_id != entry.client_order_id
    }
    assert statuses == {"limit": "filled", "stop": "canceled"}


def test_a_leg_that_filled_while_we_were_down_still_reaches_the_ledger(
    fake: FakeAlpaca, alpaca: AlpacaBroker, ledger: SqlLedger
) -> None:
    _bracket_entry(alpaca, ledger)
    fake.prices["AAPL"] = Decimal(94)
    (filled,) = fake.work()  # the stop fires before any reconciliation saw the legs
    assert filled["type"] == "stop"

    assert _reconcile(alpaca, ledger) == ()
    assert ledger.net_positions() == {}
    assert ledger.trading_state().status is TradingStatus.ACTIVE


def test_open_orders_link_each_leg_to_its_entry(
    fake: FakeAlpaca, alpaca: AlpacaBroker, ledger: SqlLedger
) -> None:
    entry = _bracket_entry(alpaca, ledger)
    working = alpaca.open_orders()
    assert {(o.leg, o.parent_client_order_id) for o in working} == {
        (OrderLeg.TAKE_PROFIT, entry.client_order_id),
        (OrderLeg.STOP_LOSS, entry.client_order_id),
    }
    looked_up = alpaca.get_order_by_client_id(entry.client_order_id)
    assert looked_up is not None
    assert {leg.leg for leg in looked_up.legs} == {OrderLeg.TAKE_PROFIT, OrderLeg.STOP_LOSS}


def test_a_pm_sell_of_a_bracketed_position_is_not_vetoed(
    fake: FakeAlpaca, alpaca: AlpacaBroker, ledger: SqlLedger
) -> None:
    _bracket_entry(alpaca, ledger)
    snapshot = GateSnapshot(
        now=datetime.now(UTC),
        portfolio=alpaca.portfolio(),
        market=market({"AAPL": 100.0}),
        open_orders=tuple(alpaca.open_orders()),
    )
    sell = _intent("d-sell", side=OrderSide.SELL, reduces_position=True)

    (verdict,) = evaluate_intents([sell], snapshot, limits())

    assert verdict.outcome is GateOutcome.APPROVED, verdict.reasons
    assert verdict.approved_qty == 9


def test_more_than_one_page_of_working_orders_is_seen(
    fake: FakeAlpaca, alpaca: AlpacaBroker
) -> None:
    fake.max_page_size = 2
    for n in range(5):
        fake.faults.append("rest")
        alpaca.submit_order(_intent(f"d-rest-{n}"), Decimal(1))

    working = alpaca.open_orders()

    assert len(working) == 5
    assert len({o.client_order_id for o in working}) == 5
    pages = [path for method, path in fake.log if method == "GET" and path == "/v2/orders"]
    assert len(pages) >= 3


def test_an_exit_must_release_the_legs_first_as_at_alpaca(
    fake: FakeAlpaca, alpaca: AlpacaBroker, ledger: SqlLedger
) -> None:
    """The contract the execution road keeps: cancel a position's legs, then send its exit."""
    _bracket_entry(alpaca, ledger)
    fake.enforce_available_qty = True
    sell = _intent("d-sell", side=OrderSide.SELL, reduces_position=True)
    with pytest.raises(OrderRejectedError):
        alpaca.submit_order(sell, sell.qty)

    take_profit = next(o for o in alpaca.open_orders() if o.leg is OrderLeg.TAKE_PROFIT)
    alpaca.cancel_order(take_profit.broker_order_id)  # one leg cancels its OCO sibling too
    assert alpaca.open_orders() == []
    assert alpaca.submit_order(sell, sell.qty).filled_qty == 9
