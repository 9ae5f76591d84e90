"""Start-up reconciliation against the real paper broker and SQL ledger."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from domain import TradingStatus
from graph.execution.exactly_once import submit_exactly_once
from graph.monitor.reconcile import reconcile
from tests.unit.risk.factory import intent
from tools.alerts.dispatcher import AlertDispatcher
from tools.alerts.model import Alert
from tools.brokers.paper import PaperBroker
from tools.clock import FixedClock
from tools.persistence.sql_ledger import SqlLedger

T0 = datetime(2024, 3, 4, 15, 0, tzinfo=UTC)


class Inbox:
    name = "inbox"

    def __init__(self) -> None:
        self.alerts: list[Alert] = []

    def deliver(self, alert: Alert) -> None:
        self.alerts.append(alert)


@pytest.fixture
def parts(tmp_path: Path) -> Iterator[tuple[PaperBroker, SqlLedger, Inbox, AlertDispatcher]]:
    clock = FixedClock(T0)
    broker = PaperBroker(
        database_url=f"sqlite:///{tmp_path / 'paper.sqlite'}",
        starting_cash=Decimal("100000"),
        slippage_bps=0,
        price_source=lambda _t: Decimal("100"),
        clock=clock,
    )
    ledger = SqlLedger.from_url(f"sqlite:///{tmp_path / 'app.sqlite'}")
    inbox = Inbox()
    yield broker, ledger, inbox, AlertDispatcher([inbox], clock=clock)
    ledger.close()


def _run(parts):  # type: ignore[no-untyped-def]
    broker, ledger, _inbox, alerts = parts
    return reconcile(broker=broker, ledger=ledger, clock=FixedClock(T0), alerts=alerts)


def test_consistent_books_are_clean(parts) -> None:  # type: ignore[no-untyped-def]
    broker, ledger, inbox, _ = parts
    submit_exactly_once(intent(qty="5", created_at=T0), Decimal(5), broker=broker, ledger=ledger)
    report = _run(parts)
    assert report.clean
    assert ledger.trading_state().status is TradingStatus.ACTIVE
    assert inbox.alerts == []


def test_crash_after_submit_before_record_is_settled(parts) -> None:  # type: ignore[no-untyped-def]
    broker, ledger, _, _ = parts
    it = intent(qty="5", created_at=T0)
    ledger.record_intent(it, "5")
    broker.submit_order(it, Decimal(5))
    report = _run(parts)
    assert report.settled == (it.client_order_id,)
    assert report.clean
    assert ledger.order(it.client_order_id) is not None


def test_crash_before_submit_is_reported_as_never_sent(parts) -> None:  # type: ignore[no-untyped-def]
    broker, ledger, _, _ = parts
    it = intent(qty="5", created_at=T0)
    ledger.record_intent(it, "5")
    report = _run(parts)
    assert report.never_sent == (it.client_order_id,)
    assert report.clean
    assert broker.all_orders() == []


def test_a_position_the_ledger_cannot_explain_halts_with_an_alert(parts) -> None:  # type: ignore[no-untyped-def]
    broker, ledger, inbox, _ = parts
    broker.submit_order(intent("MSFT", qty="3", created_at=T0), Decimal(3))  # placed by hand
    report = _run(parts)
    assert report.differences == ("MSFT: ledger implies 0, broker holds 3",)
    state = ledger.trading_state()
    assert state.status is TradingStatus.HALTED
    assert "MSFT" in state.reason
    assert [a.title for a in inbox.alerts] == ["reconciliation found differences"]
