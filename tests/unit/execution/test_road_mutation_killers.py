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
    GateOutcome,
    PortfolioSnapshot,
    ReasonCode,
    TradeAction,
    TradeDecision,
)
from graph.checkpoints.locks import InProcessThreadLocks, ThreadLockTimeoutError
from graph.execution import DecisionContext, ExecutionRoad, OrderRequest
from graph.execution.account_lock import account_lock
from tests.unit.risk.factory import NOW, intent, limits, market
from tools.alerts.dispatcher import AlertDispatcher
from tools.alerts.model import Alert
from tools.brokers.base import BrokerError
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
