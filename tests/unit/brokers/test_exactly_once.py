"""Exactly-once submission against the real paper broker and SQL ledger, with injected faults."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain import Order, OrderIntent, OrderStatus, OrderType, TradingStateRecord, TradingStatus
from graph.execution.exactly_once import submit_exactly_once
from tests.unit.risk.factory import intent
from tools.brokers.base import (
    AmbiguousSubmissionError,
    BrokerError,
    DuplicateClientOrderIdError,
    EntryBlockedError,
    UnresolvedSubmissionError,
)
from tools.brokers.paper import PaperBroker
from tools.persistence.sql_ledger import SqlLedger


class FaultyBroker:
    """Wraps the paper broker; each fault is (when, what) consumed in order."""

    name = "faulty"

    def __init__(self, inner: PaperBroker, faults: list[str]) -> None:
        self.inner = inner
        self.faults = faults
        self.submits = 0
        self.lookups = 0

    def portfolio(self):  # pragma: no cover - unused here
        return self.inner.portfolio()

    def open_orders(self) -> list[Order]:
        return self.inner.open_orders()

    def cancel_order(self, broker_order_id: str) -> None:
        self.inner.cancel_order(broker_order_id)

    def get_order_by_client_id(self, client_order_id: str) -> Order | None:
        self.lookups += 1
        if self.faults and self.faults[0] == "lookup_error":
            self.faults.pop(0)
            raise BrokerError("lookup 503")
        if self.faults and self.faults[0] == "hidden_once":
            self.faults.pop(0)
            return None
        return self.inner.get_order_by_client_id(client_order_id)

    def submit_order(self, it: OrderIntent, qty: Decimal) -> Order:
        self.submits += 1
        fault = self.faults.pop(0) if self.faults and self.faults[0].startswith("submit") else None
        if fault == "submit_timeout_after_accept":
            self.inner.submit_order(it, qty)
            raise AmbiguousSubmissionError("read timeout")
        if fault == "submit_timeout_before_accept":
            raise AmbiguousSubmissionError("connect reset")
        if fault == "submit_duplicate":
            self.inner.submit_order(it, qty)
            raise DuplicateClientOrderIdError("422 client_order_id must be unique")
        return self.inner.submit_order(it, qty)


def _go(broker: FaultyBroker, ledger: SqlLedger, it: OrderIntent) -> Order:
    return submit_exactly_once(it, Decimal(10), broker=broker, ledger=ledger, wait_seconds=0.001)


@pytest.mark.parametrize(
    ("faults", "submits"),
    [
        ([], 1),
        (["submit_timeout_after_accept"], 1),
        (["submit_timeout_before_accept"], 2),
        (["submit_duplicate"], 1),
        (["submit_timeout_after_accept", "hidden_once"], 1),
        (["submit_timeout_after_accept", "lookup_error", "lookup_error"], 1),
    ],
)
def test_every_fault_ends_with_one_order_recorded(
    paper: PaperBroker, ledger: SqlLedger, faults: list[str], submits: int
) -> None:
    # the first lookup (before submitting) sees a clean broker
    broker = FaultyBroker(paper, list(faults))
    it = intent(qty="10")
    order = _go(broker, ledger, it)
    assert broker.submits == submits
    assert len(paper.all_orders()) == 1
    assert order.status is OrderStatus.FILLED
    assert ledger.order(it.client_order_id) == order
    assert ledger.intent(it.client_order_id) == it
    assert paper.portfolio().positions["AAPL"].qty == Decimal(10)


def test_an_order_already_at_the_broker_is_adopted_without_submitting(
    paper: PaperBroker, ledger: SqlLedger
) -> None:
    it = intent(qty="10")
    paper.submit_order(it, Decimal(10))  # a crash after submit, before record
    broker = FaultyBroker(paper, [])
    order = _go(broker, ledger, it)
    assert broker.submits == 0
    assert ledger.order(it.client_order_id) == order


def test_resubmitting_twice_never_duplicates(paper: PaperBroker, ledger: SqlLedger) -> None:
    it = intent(qty="10")
    broker = FaultyBroker(paper, [])
    assert _go(broker, ledger, it) == _go(broker, ledger, it)
    assert len(paper.all_orders()) == 1


def test_lookups_that_keep_failing_raise_unresolved_and_send_nothing_more(
    paper: PaperBroker, ledger: SqlLedger
) -> None:
    it = intent(qty="10")
    broker = FaultyBroker(paper, ["submit_timeout_before_accept"] + ["lookup_error"] * 10)
    with pytest.raises(UnresolvedSubmissionError):
        _go(broker, ledger, it)
    assert broker.submits == 1
    assert paper.all_orders() == []
    assert ledger.intent(it.client_order_id) == it  # the trace reconciliation will settle


def test_halted_state_blocks_entries_but_not_exits(paper: PaperBroker, ledger: SqlLedger) -> None:
    paper.submit_order(intent(qty="10"), Decimal(10))
    ledger.set_trading_state(TradingStateRecord(status=TradingStatus.HALTED, reason="test"))
    broker = FaultyBroker(paper, [])
    with pytest.raises(EntryBlockedError):
        _go(broker, ledger, intent(qty="10"))
    assert broker.submits == 0
    from domain import OrderSide

    exit_order = _go(broker, ledger, intent(side=OrderSide.SELL, qty="10", reduces_position=True))
    assert exit_order.status is OrderStatus.FILLED
    assert "AAPL" not in paper.portfolio().positions


class HaltWhileSlow(FaultyBroker):
    """The first submit never reaches the broker and answers late; an operator halts meanwhile."""

    def __init__(self, inner: PaperBroker, ledger: SqlLedger) -> None:
        super().__init__(inner, [])
        self.ledger = ledger

    def submit_order(self, it: OrderIntent, qty: Decimal) -> Order:
        self.submits += 1
        if self.submits == 1:
            self.ledger.set_trading_state(
                TradingStateRecord(status=TradingStatus.HALTED, reason="operator halt")
            )
            raise AmbiguousSubmissionError("read timeout")
        return self.inner.submit_order(it, qty)


def test_a_halt_during_an_ambiguous_submit_stops_the_resubmission(
    paper: PaperBroker, ledger: SqlLedger
) -> None:
    """9.5: the trading state is read before every attempt, not once before the first."""
    broker = HaltWhileSlow(paper, ledger)
    it = intent(qty="10")
    with pytest.raises(EntryBlockedError):
        _go(broker, ledger, it)
    assert broker.submits == 1  # the resend never happened
    assert paper.all_orders() == []
    assert paper.portfolio().positions == {}


def test_a_halt_during_an_ambiguous_exit_still_resends_the_exit(
    paper: PaperBroker, ledger: SqlLedger
) -> None:
    from domain import OrderSide

    paper.submit_order(intent(qty="10"), Decimal(10))
    broker = HaltWhileSlow(paper, ledger)
    order = _go(broker, ledger, intent(side=OrderSide.SELL, qty="10", reduces_position=True))
    assert broker.submits == 2 and order.status is OrderStatus.FILLED
    assert paper.portfolio().positions == {}


def test_a_dead_order_found_by_lookup_is_reported_dead(
    paper: PaperBroker, ledger: SqlLedger
) -> None:
    """A terminal order with nothing filled is returned as it is, and ``is_dead`` says so."""
    from graph.execution.exactly_once import is_dead

    it = intent(qty="10", order_type=OrderType.LIMIT, limit_price=Decimal("50"))
    resting = paper.submit_order(it, Decimal(10))
    paper.cancel_order(resting.broker_order_id)
    order = _go(FaultyBroker(paper, []), ledger, it)
    assert order.status is OrderStatus.CANCELED and is_dead(order)
    assert not is_dead(paper.submit_order(intent(qty="1"), Decimal(1)))
