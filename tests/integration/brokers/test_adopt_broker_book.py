"""The operator adopts the broker's book (issue 9.3): explicit, audited, and then the books agree.

A position opened outside hedgegraph and closed by it leaves the ledger implying a negative
position; reconciliation halts, and before adoption nothing could ever make it agree again.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from domain import (
    Order,
    OrderIntent,
    OrderSide,
    OrderStatus,
    TradingStatus,
    client_order_id_for,
)
from graph.execution.exactly_once import submit_exactly_once
from graph.monitor.adopt import ADOPT_THREAD, adopt_broker_book
from graph.monitor.operator import resume
from graph.monitor.reconcile import reconcile
from tests.fakes.alpaca_trading_server import FakeAlpaca
from tools.alerts.dispatcher import AlertDispatcher
from tools.alerts.model import Alert
from tools.brokers.alpaca import AlpacaBroker
from tools.brokers.base import BrokerError
from tools.clock import SystemClock
from tools.persistence.sql_ledger import SqlLedger

pytestmark = pytest.mark.integration


class Inbox:
    name = "inbox"

    def __init__(self) -> None:
        self.alerts: list[Alert] = []

    def deliver(self, alert: Alert) -> None:
        self.alerts.append(alert)


def _sell_outside_position(alpaca: AlpacaBroker, ledger: SqlLedger) -> None:
    """hedgegraph closes 10 AAPL that someone bought by hand: the ledger implies -10."""
    sell = OrderIntent(
        client_order_id=client_order_id_for("halt", "h1", "AAPL", "exit"),
        decision_id="h1",
        thread_id="halt",
        ticker="AAPL",
        side=OrderSide.SELL,
        qty=Decimal(10),
        reference_price=Decimal(100),
        reduces_position=True,
        created_at=datetime.now(UTC),
    )
    submit_exactly_once(sell, sell.qty, broker=alpaca, ledger=ledger)


def test_adoption_makes_a_negative_ledger_agree_and_is_audited(
    fake: FakeAlpaca, alpaca: AlpacaBroker, ledger: SqlLedger
) -> None:
    fake.positions["AAPL"] = {"qty": Decimal(10), "avg": Decimal(90)}
    _sell_outside_position(alpaca, ledger)
    clock = SystemClock()
    first = reconcile(broker=alpaca, ledger=ledger, clock=clock)
    assert first.differences == ("AAPL: ledger implies -10, broker holds 0",)
    assert resume(reason="try", broker=alpaca, ledger=ledger, clock=clock).changed is False

    inbox = Inbox()
    report = adopt_broker_book(
        broker=alpaca,
        ledger=ledger,
        clock=clock,
        reason="AAPL was bought by hand before hedgegraph ran",
        alerts=AlertDispatcher([inbox], clock=clock),
    )

    (adopted,) = report.positions
    assert (adopted.symbol, adopted.ledger_qty, adopted.broker_qty) == ("AAPL", -10, 0)
    assert adopted.price == 100, "booked at the broker's quote"
    assert ledger.net_positions() == {}
    assert ledger.trading_state().status is TradingStatus.HALTED, "adoption never resumes"
    (audit,) = ledger.decisions_for_thread(ADOPT_THREAD)
    assert "bought by hand" in audit.reasoning
    assert audit.order_client_ids == (adopted.client_order_id,)
    assert [f.qty for f in ledger.fills.fills_for_order(adopted.client_order_id)] == [10]
    assert [a.title for a in inbox.alerts] == ["ledger adopted the broker's book"]
    resumed = resume(reason="adopted", broker=alpaca, ledger=ledger, clock=clock)
    assert resumed.changed is True and resumed.differences == ()


def test_adoption_records_working_orders_placed_outside_hedgegraph(
    fake: FakeAlpaca, alpaca: AlpacaBroker, ledger: SqlLedger
) -> None:
    outside = OrderIntent(
        client_order_id="by-hand-1",
        decision_id="by-hand",
        thread_id="by-hand",
        ticker="MSFT",
        side=OrderSide.BUY,
        qty=Decimal(1),
        reference_price=Decimal(400),
        created_at=datetime.now(UTC),
    )
    fake.faults.append("rest")
    alpaca.submit_order(outside, Decimal(1))  # the ledger never hears of it
    clock = SystemClock()
    assert reconcile(broker=alpaca, ledger=ledger, clock=clock).differences == (
        "by-hand-1: working at the broker, unknown here",
    )

    report = adopt_broker_book(broker=alpaca, ledger=ledger, clock=clock, reason="mine")

    assert report.orders == ("by-hand-1",)
    assert reconcile(broker=alpaca, ledger=ledger, clock=clock).differences == ()


def test_adoption_needs_a_reason_and_changes_nothing_when_the_books_agree(
    alpaca: AlpacaBroker, ledger: SqlLedger
) -> None:
    clock = SystemClock()
    with pytest.raises(ValueError):
        adopt_broker_book(broker=alpaca, ledger=ledger, clock=clock, reason="  ")
    report = adopt_broker_book(broker=alpaca, ledger=ledger, clock=clock, reason="check")
    assert report.changed is False
    assert ledger.decisions_for_thread(ADOPT_THREAD) == []


def _ghost(ledger: SqlLedger) -> str:
    """An order the ledger calls working that the broker has never heard of."""
    now = datetime.now(UTC)
    ghost = OrderIntent(
        client_order_id="ghost-1",
        decision_id="g",
        thread_id="g",
        ticker="AAPL",
        side=OrderSide.BUY,
        qty=Decimal(1),
        reference_price=Decimal(100),
        created_at=now,
    )
    ledger.record_intent(ghost, "1")
    ledger.record_order(
        Order(
            broker_order_id="gone",
            client_order_id="ghost-1",
            ticker="AAPL",
            side=OrderSide.BUY,
            qty=Decimal(1),
            status=OrderStatus.NEW,
            submitted_at=now,
        )
    )
    return ghost.client_order_id


def test_adoption_closes_a_working_order_the_broker_never_heard_of(
    alpaca: AlpacaBroker, ledger: SqlLedger
) -> None:
    cid = _ghost(ledger)
    clock = SystemClock()
    assert reconcile(broker=alpaca, ledger=ledger, clock=clock).differences == (
        f"{cid}: recorded as working but unknown to the broker",
    )

    report = adopt_broker_book(broker=alpaca, ledger=ledger, clock=clock, reason="stale row")

    assert report.closed == (cid,)
    assert reconcile(broker=alpaca, ledger=ledger, clock=clock).differences == ()


def test_an_unreadable_broker_aborts_the_adoption_before_any_adjustment(
    fake: FakeAlpaca, alpaca: AlpacaBroker, ledger: SqlLedger
) -> None:
    fake.positions["AAPL"] = {"qty": Decimal(10), "avg": Decimal(90)}
    _ghost(ledger)
    fake.lookup_faults = 1

    with pytest.raises(BrokerError):
        adopt_broker_book(broker=alpaca, ledger=ledger, clock=SystemClock(), reason="now")

    assert ledger.decisions_for_thread(ADOPT_THREAD) == []
    assert ledger.net_positions() == {}
