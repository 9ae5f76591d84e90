"""Execution-road behaviours the mutation run found unpinned (issue 9; tests/mutation/README.md).

Real parts: the paper broker on its own SQLite file, the SQL ledger, the alert dispatcher with a
sink that keeps what it was handed, the in-process account lock. Why these: an earlier verdict
must cap the fresh one (never raise it), a refusal must say why, a broker outage at gate time must
reach the operator, and the emergency stop alone may work the account without its lock.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from domain import (
    EventSeverity,
    ExitReason,
    ExitSignal,
    GateOutcome,
    Order,
    OrderIntent,
    OrderSide,
    OrderStatus,
    OrderType,
    PortfolioSnapshot,
    ReasonCode,
    TradeAction,
    TradeDecision,
    TradingStateRecord,
    TradingStatus,
)
from graph.checkpoints.locks import InProcessThreadLocks, ThreadLockTimeoutError
from graph.execution import DecisionContext, ExecutionRoad, OrderRequest
from graph.execution.account_lock import account_lock
from graph.execution.exactly_once import is_dead
from graph.monitor.exit_path import exit_requests
from tests.unit.risk.factory import NOW, intent, limits, market
from tools.alerts.dispatcher import AlertDispatcher
from tools.alerts.model import Alert
from tools.brokers.base import AmbiguousSubmissionError, BrokerError, OrderRejectedError
from tools.brokers.paper import PaperBroker
from tools.clock import FixedClock
from tools.persistence.sql_ledger import SqlLedger

CALM = market({"AAPL": 100.0})


class Inbox:
    """An alert sink that keeps every alert it is handed (the operator's view)."""

    name = "inbox"

    def __init__(self) -> None:
        self.alerts: list[Alert] = []

    def deliver(self, alert: Alert) -> None:
        self.alerts.append(alert)


class DownBroker(PaperBroker):
    """The paper broker whose account endpoint is down: the road's gate snapshot cannot be read."""

    def portfolio(self) -> PortfolioSnapshot:
        raise BrokerError("account endpoint unreachable")


def _broker(cls: type[PaperBroker], tmp_path: Path, clock: FixedClock) -> PaperBroker:
    return cls(
        database_url=f"sqlite:///{tmp_path / 'paper.sqlite'}",
        starting_cash=Decimal("100000"),
        slippage_bps=0,
        price_source=lambda _ticker: Decimal("100"),
        clock=clock,
    )


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[SqlLedger]:
    book = SqlLedger.from_url(f"sqlite:///{tmp_path / 'app.sqlite'}")
    yield book
    book.close()


def _road(
    broker: PaperBroker, ledger: SqlLedger, clock: FixedClock, inbox: Inbox | None = None
) -> ExecutionRoad:
    alerts = AlertDispatcher([inbox], clock=clock) if inbox is not None else None
    locks = InProcessThreadLocks(wait_seconds=0.05)
    return ExecutionRoad(
        broker=broker, ledger=ledger, limits=limits(), clock=clock, locks=locks, alerts=alerts
    )


def _request(qty: str, *, approved: str | None = None, price: str = "100") -> OrderRequest:
    it = intent(qty=qty, price=price)
    decision = TradeDecision(
        decision_id=it.decision_id,
        ticker="AAPL",
        action=TradeAction.BUY,
        quantity=it.qty,
        confidence=0.5,
    )
    return OrderRequest(
        intent=it,
        audit=DecisionContext(decision=decision, inputs_digest="t"),
        approved_qty=Decimal(approved) if approved is not None else None,
    )


def test_an_earlier_approval_caps_the_fresh_verdict(tmp_path: Path, ledger: SqlLedger) -> None:
    clock = FixedClock(NOW)
    road = _road(_broker(PaperBroker, tmp_path, clock), ledger, clock)
    (outcome,) = road.send([_request("10", approved="4")], market=CALM)
    assert outcome.verdict.outcome is GateOutcome.RESIZED
    assert outcome.verdict.approved_qty == Decimal(4)
    assert outcome.order is not None and outcome.order.qty == Decimal(4)


def test_an_earlier_zero_approval_is_a_veto_and_sends_nothing(
    tmp_path: Path, ledger: SqlLedger
) -> None:
    clock = FixedClock(NOW)
    broker = _broker(PaperBroker, tmp_path, clock)
    (outcome,) = _road(broker, ledger, clock).send([_request("10", approved="0")], market=CALM)
    assert outcome.verdict.outcome is GateOutcome.VETOED
    assert outcome.verdict.approved_qty == Decimal(0)
    assert outcome.order is None
    assert broker.all_orders() == []


def test_a_refusal_names_the_reason_codes_that_bit(tmp_path: Path, ledger: SqlLedger) -> None:
    clock = FixedClock(NOW)
    road = _road(_broker(PaperBroker, tmp_path, clock), ledger, clock)
    # the decision priced AAPL at 130; the broker quotes 100 (band 5 %)
    (outcome,) = road.send([_request("10", price="130")], market=CALM)
    assert outcome.order is None
    assert outcome.error == "vetoed: price_sanity"


def test_a_broker_outage_at_gate_time_refuses_the_order_and_alerts(
    tmp_path: Path, ledger: SqlLedger
) -> None:
    clock, inbox = FixedClock(NOW), Inbox()
    road = _road(_broker(DownBroker, tmp_path, clock), ledger, clock, inbox)
    request = _request("10")
    (outcome,) = road.send([request], market=CALM)
    assert outcome.order is None
    assert outcome.verdict.outcome is GateOutcome.VETOED
    assert outcome.verdict.approved_qty == 0
    assert [(r.code, r.message) for r in outcome.verdict.reasons] == [
        (ReasonCode.STALE_DATA, "broker unavailable at gate time: account endpoint unreachable")
    ]
    assert outcome.error == "order not placed: account endpoint unreachable"
    cid = request.intent.client_order_id
    [alert] = inbox.alerts
    assert (alert.severity, alert.title, alert.key) == (
        EventSeverity.ERROR,
        "order not placed",
        f"order not placed:{cid}",
    )
    assert alert.message == f"AAPL buy 10 ({cid}): account endpoint unreachable"
    assert alert.at == NOW


def test_without_a_dispatcher_an_alert_is_still_logged(
    tmp_path: Path, ledger: SqlLedger, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FixedClock(NOW)
    road = _road(_broker(PaperBroker, tmp_path, clock), ledger, clock)
    with caplog.at_level(logging.WARNING, logger="graph.execution.road"):
        road.alert(EventSeverity.ERROR, "order not placed", "AAPL buy 10", key="k")
    assert [r.getMessage() for r in caplog.records] == ["order not placed: AAPL buy 10"]


def test_only_the_emergency_stop_works_the_account_past_a_held_lock(
    tmp_path: Path, ledger: SqlLedger
) -> None:
    clock = FixedClock(NOW)
    road = _road(_broker(PaperBroker, tmp_path, clock), ledger, clock)
    with account_lock(road.locks, road.broker.name):
        with pytest.raises(ThreadLockTimeoutError), road.account():
            pass
        with road.account(proceed_unlocked=True) as desk:
            assert desk.lock_note is not None
            assert desk.lock_note.startswith("account lock not acquired, proceeding without it:")
    with road.account() as desk:
        assert desk.lock_note is None


def test_a_resent_request_is_adopted_at_its_earlier_approval_not_sent_again(
    tmp_path: Path, ledger: SqlLedger
) -> None:
    clock = FixedClock(NOW)
    broker = _broker(PaperBroker, tmp_path, clock)
    road = _road(broker, ledger, clock)
    request = _request("10", approved="4")
    (first,) = road.send([request], market=CALM)
    (again,) = road.send([request], market=CALM)
    assert first.order is not None and again.order is not None
    assert again.order.client_order_id == first.order.client_order_id
    assert again.verdict.outcome is GateOutcome.APPROVED
    assert again.verdict.approved_qty == Decimal(4)
    assert len(broker.all_orders()) == 1


# -- dead orders, retried exits and failed submissions (issue 9.1, 9.10) -----------------------

HALT_THREAD = "halt-test"
HELD = Decimal(9)


class CancellingBroker(PaperBroker):
    """The paper broker as a venue that accepts an order and cancels it before any fill.

    The next ``cancels`` new orders rest (priced where they cannot fill) and are then cancelled by
    the broker itself: terminal with nothing filled, the "dead" order of issue 9.1.
    """

    cancels = 0

    def submit_order(self, intent: OrderIntent, qty: Decimal) -> Order:
        known = self.get_order_by_client_id(intent.client_order_id)
        if known is not None or self.cancels <= 0:
            return super().submit_order(intent, qty)
        self.cancels -= 1
        far = Decimal("10000") if intent.side is OrderSide.SELL else Decimal("1")
        resting = intent.model_copy(update={"order_type": OrderType.LIMIT, "limit_price": far})
        order = super().submit_order(resting, qty)
        self.cancel_order(order.broker_order_id)
        cancelled = self.get_order_by_client_id(intent.client_order_id)
        assert cancelled is not None and cancelled.status is OrderStatus.CANCELED
        return cancelled


class RefusingBroker(PaperBroker):
    """The paper broker whose order entry fails with ``error`` once ``armed`` (reads still work)."""

    error: BrokerError | None = None

    def submit_order(self, intent: OrderIntent, qty: Decimal) -> Order:
        if self.error is not None:
            raise self.error
        return super().submit_order(intent, qty)


def _fast_road(
    broker: PaperBroker, ledger: SqlLedger, clock: FixedClock, inbox: Inbox
) -> ExecutionRoad:
    """A road whose lookups after an ambiguous answer do not sleep (the test's wall clock)."""
    return ExecutionRoad(
        broker=broker,
        ledger=ledger,
        limits=limits(),
        clock=clock,
        locks=InProcessThreadLocks(wait_seconds=0.05),
        alerts=AlertDispatcher([inbox], clock=clock),
        lookup_attempts=2,
        wait_seconds=0.001,
    )


def _hold_nine(road: ExecutionRoad) -> None:
    (bought,) = road.send([_request("9")], market=CALM)
    assert bought.order is not None and bought.order.status is OrderStatus.FILLED


def _exit_request(road: ExecutionRoad) -> OrderRequest:
    signal = ExitSignal("AAPL", OrderSide.SELL, HELD, ExitReason.EMERGENCY_STOP, Decimal(100), None)
    (request,) = exit_requests([signal], ledger=road.ledger, thread_id=HALT_THREAD, now=NOW)
    return request


def _linked_decisions(ledger: SqlLedger, client_order_id: str) -> list[str]:
    return [
        d.decision_id
        for d in ledger.decisions_for_thread(HALT_THREAD)
        if client_order_id in d.order_client_ids
    ]


def test_an_exit_cancelled_every_time_gets_exactly_its_retries_then_alerts(
    tmp_path: Path, ledger: SqlLedger
) -> None:
    clock, inbox = FixedClock(NOW), Inbox()
    broker = _broker(CancellingBroker, tmp_path, clock)
    road = _fast_road(broker, ledger, clock, inbox)
    _hold_nine(road)
    assert isinstance(broker, CancellingBroker)
    broker.cancels = 10
    request = _exit_request(road)
    (outcome,) = road.send([request], market=CALM)
    assert outcome.request is request
    sells = [o for o in broker.all_orders() if o.side is OrderSide.SELL]
    # one first try and road.exit_retries (2) fresh attempts, each under its own client order id
    assert len(sells) == 1 + road.exit_retries
    assert len({o.client_order_id for o in sells}) == len(sells)
    assert all(o.status is OrderStatus.CANCELED and o.filled_qty == 0 for o in sells)
    assert broker.portfolio().positions["AAPL"].qty == HELD
    last = outcome.order
    assert last is not None and last.status is OrderStatus.CANCELED
    assert outcome.verdict.intent.client_order_id == last.client_order_id  # the last attempt's
    assert outcome.verdict.approved_qty == HELD
    assert {o.client_order_id for o in (*outcome.attempts, last)} == {
        o.client_order_id for o in sells
    }
    assert len(outcome.attempts) == road.exit_retries
    assert (
        outcome.error
        == f"order not placed: {last.client_order_id} ended canceled with nothing filled"
    )
    [alert] = inbox.alerts
    assert (alert.severity, alert.title, alert.key) == (
        EventSeverity.ERROR,
        "order not placed",
        f"order-not-placed:{last.client_order_id}",
    )
    assert alert.message == f"AAPL sell 9: {outcome.error}"
    # every attempt is a decision of its own, linked to its own order
    decisions = [_linked_decisions(ledger, o.client_order_id) for o in sells]
    assert all(len(d) == 1 for d in decisions)
    assert len({d[0] for d in decisions}) == len(sells)


def test_an_exit_cancelled_once_is_retried_and_reports_the_dead_attempt(
    tmp_path: Path, ledger: SqlLedger
) -> None:
    clock, inbox = FixedClock(NOW), Inbox()
    broker = _broker(CancellingBroker, tmp_path, clock)
    road = _fast_road(broker, ledger, clock, inbox)
    _hold_nine(road)
    assert isinstance(broker, CancellingBroker)
    broker.cancels = 1
    request = _exit_request(road)
    (outcome,) = road.send([request], market=CALM)
    assert outcome.request is request
    assert outcome.error is None
    assert outcome.order is not None and outcome.order.status is OrderStatus.FILLED
    (dead,) = outcome.attempts
    assert dead.client_order_id == request.intent.client_order_id
    assert dead.status is OrderStatus.CANCELED
    assert outcome.order.client_order_id != dead.client_order_id
    assert "AAPL" not in broker.portfolio().positions
    assert inbox.alerts == []


def test_a_dead_entry_is_not_retried(tmp_path: Path, ledger: SqlLedger) -> None:
    clock, inbox = FixedClock(NOW), Inbox()
    broker = _broker(CancellingBroker, tmp_path, clock)
    assert isinstance(broker, CancellingBroker)
    broker.cancels = 10
    road = _fast_road(broker, ledger, clock, inbox)
    request = _request("5")
    (outcome,) = road.send([request], market=CALM)
    cid = request.intent.client_order_id
    assert [o.client_order_id for o in broker.all_orders()] == [cid]
    assert outcome.order is not None and outcome.order.status is OrderStatus.CANCELED
    assert outcome.attempts == ()
    assert outcome.error == f"order not placed: {cid} ended canceled with nothing filled"
    [alert] = inbox.alerts
    assert alert.key == f"order-not-placed:{cid}"


def test_a_partly_filled_cancelled_order_counts_as_done() -> None:
    """A terminal order that filled anything is not dead: retrying it would sell twice."""
    order = Order(
        client_order_id="hg-x",
        broker_order_id="b-x",
        ticker="AAPL",
        side=OrderSide.SELL,
        qty=Decimal(9),
        filled_qty=Decimal("0.5"),
        status=OrderStatus.CANCELED,
        submitted_at=NOW,
    )
    assert not is_dead(order)
    assert not is_dead(order.model_copy(update={"filled_qty": Decimal(1)}))
    assert is_dead(order.model_copy(update={"filled_qty": Decimal(0)}))


def test_a_failed_exit_after_a_dead_attempt_keeps_it_and_names_the_error(
    tmp_path: Path, ledger: SqlLedger
) -> None:
    clock, inbox = FixedClock(NOW), Inbox()
    broker = _broker(CancellingBroker, tmp_path, clock)
    road = _fast_road(broker, ledger, clock, inbox)
    _hold_nine(road)
    assert isinstance(broker, CancellingBroker)
    broker.cancels = 1
    request = _exit_request(road)
    refused = OrderRejectedError("venue closed")

    original = broker.submit_order

    def cancel_then_refuse(intent: OrderIntent, qty: Decimal) -> Order:
        if broker.cancels <= 0:
            raise refused
        return original(intent, qty)

    object.__setattr__(broker, "submit_order", cancel_then_refuse)
    (outcome,) = road.send([request], market=CALM)
    assert outcome.request is request
    assert outcome.order is None
    (dead,) = outcome.attempts
    assert dead.client_order_id == request.intent.client_order_id
    assert outcome.error == "order not placed: venue closed"
    [alert] = inbox.alerts
    assert (alert.severity, alert.title) == (EventSeverity.ERROR, "order not placed")
    assert alert.message.endswith(": venue closed")


def test_an_ambiguous_submission_alerts_as_ambiguous(tmp_path: Path, ledger: SqlLedger) -> None:
    clock, inbox = FixedClock(NOW), Inbox()
    broker = _broker(RefusingBroker, tmp_path, clock)
    assert isinstance(broker, RefusingBroker)
    broker.error = AmbiguousSubmissionError("gateway timeout")
    road = _fast_road(broker, ledger, clock, inbox)
    request = _request("5")
    (outcome,) = road.send([request], market=CALM)
    cid = request.intent.client_order_id
    assert outcome.request is request and outcome.order is None and outcome.attempts == ()
    assert outcome.error is not None
    assert outcome.error.startswith("order stayed ambiguous: ")
    [alert] = inbox.alerts
    assert (alert.severity, alert.title, alert.key) == (
        EventSeverity.ERROR,
        "order stayed ambiguous",
        f"order stayed ambiguous:{cid}",
    )


def test_an_entry_refused_by_a_halt_after_the_gate_is_a_warning(
    tmp_path: Path, ledger: SqlLedger
) -> None:
    """The operator halts between the road's gate and its submission: refused, a warning."""
    clock, inbox = FixedClock(NOW), Inbox()
    broker = _broker(PaperBroker, tmp_path, clock)
    road = _fast_road(broker, ledger, clock, inbox)
    request = _request("5")
    lookup = broker.get_order_by_client_id

    def halt_meanwhile(client_order_id: str) -> Order | None:
        if ledger.intent(client_order_id) is not None:  # persisted: the road is past its gate
            ledger.set_trading_state(TradingStateRecord(status=TradingStatus.HALTED, reason="op"))
        return lookup(client_order_id)

    object.__setattr__(broker, "get_order_by_client_id", halt_meanwhile)
    (outcome,) = road.send([request], market=CALM)
    assert outcome.order is None and broker.all_orders() == []
    assert outcome.error is not None and outcome.error.startswith(
        "order not placed: trading is halted"
    )
    [alert] = inbox.alerts
    assert (alert.severity, alert.title) == (EventSeverity.WARNING, "order not placed")


def test_the_decision_record_keeps_the_prompt_hash_and_the_time(
    tmp_path: Path, ledger: SqlLedger
) -> None:
    clock = FixedClock(NOW)
    road = _road(_broker(PaperBroker, tmp_path, clock), ledger, clock)
    base = _request("5")
    request = OrderRequest(
        intent=base.intent,
        audit=DecisionContext(
            decision=base.audit.decision, inputs_digest="t", model="m", prompt_hash="ph-1"
        ),
    )
    (outcome,) = road.send([request], market=CALM)
    assert outcome.order is not None
    [row] = [
        d
        for d in ledger.decisions_for_thread(request.intent.thread_id)
        if outcome.order.client_order_id in d.order_client_ids
    ]
    assert (row.model, row.prompt_hash) == ("m", "ph-1")
    assert row.recorded_at == NOW


def test_a_resent_request_without_an_earlier_approval_is_adopted_at_its_own_size(
    tmp_path: Path, ledger: SqlLedger
) -> None:
    clock = FixedClock(NOW)
    broker = _broker(PaperBroker, tmp_path, clock)
    road = _road(broker, ledger, clock)
    request = _request("6")
    road.send([request], market=CALM)
    (again,) = road.send([request], market=CALM)
    assert again.verdict.outcome is GateOutcome.APPROVED
    assert again.verdict.approved_qty == Decimal(6)
    assert len(broker.all_orders()) == 1


class FlakyLookupBroker(PaperBroker):
    """The paper broker whose order lookups fail after the first ``good`` ones (counted)."""

    good = 1
    lookups = 0

    def get_order_by_client_id(self, client_order_id: str) -> Order | None:
        self.lookups += 1
        if self.lookups > self.good:
            raise BrokerError("order lookup unreachable")
        return super().get_order_by_client_id(client_order_id)


def test_the_submission_lookup_keeps_to_the_roads_retry_budget(
    tmp_path: Path, ledger: SqlLedger
) -> None:
    """A road configured for few lookups (the emergency stop's) never stalls on more."""
    clock, inbox = FixedClock(NOW), Inbox()
    broker = _broker(FlakyLookupBroker, tmp_path, clock)
    assert isinstance(broker, FlakyLookupBroker)
    road = _fast_road(broker, ledger, clock, inbox)
    (outcome,) = road.send([_request("5")], market=CALM)
    assert outcome.order is None and broker.all_orders() == []
    assert outcome.error == "order not placed: order lookup unreachable"
    # one lookup before the gate, then road.lookup_attempts (2) before submitting
    assert broker.lookups == 1 + road.lookup_attempts


def test_an_unreachable_broker_before_the_gate_fails_the_request_after_the_lookup_budget(
    tmp_path: Path, ledger: SqlLedger
) -> None:
    clock, inbox = FixedClock(NOW), Inbox()
    broker = _broker(FlakyLookupBroker, tmp_path, clock)
    assert isinstance(broker, FlakyLookupBroker)
    broker.good = 0
    road = _fast_road(broker, ledger, clock, inbox)
    request = _request("5")
    (outcome,) = road.send([request], market=CALM)
    assert outcome.request is request
    assert outcome.order is None and outcome.attempts == () and broker.all_orders() == []
    assert outcome.verdict.intent == request.intent
    assert outcome.error == "order not placed: order lookup unreachable"
    assert broker.lookups == road.lookup_attempts
    [alert] = inbox.alerts
    assert alert.message.endswith(": order lookup unreachable")


def test_an_earlier_approval_of_one_share_caps_the_order_at_one_share(
    tmp_path: Path, ledger: SqlLedger
) -> None:
    clock = FixedClock(NOW)
    road = _road(_broker(PaperBroker, tmp_path, clock), ledger, clock)
    (outcome,) = road.send([_request("10", approved="1")], market=CALM)
    assert outcome.verdict.outcome is GateOutcome.RESIZED
    assert outcome.order is not None and outcome.order.qty == Decimal(1)
