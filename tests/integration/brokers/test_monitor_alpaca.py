"""The position monitor against the fake Alpaca API: bracket legs count as broker-side protection;
an unguarded position gets exactly one resting stop; a breach runs the emergency stop."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from domain import OrderIntent, OrderSide, TradingStatus, client_order_id_for
from graph.execution.exactly_once import submit_exactly_once
from graph.monitor.monitor import PositionMonitor
from tests.fakes.alpaca_trading_server import FakeAlpaca
from tests.unit.risk.factory import limits
from tools.brokers.alpaca import AlpacaBroker
from tools.clock import SystemClock
from tools.persistence.sql_ledger import SqlLedger

pytestmark = pytest.mark.integration


def _entry(ticker: str, **kw: object) -> OrderIntent:
    return OrderIntent(
        client_order_id=client_order_id_for("m", "d", ticker),
        decision_id="d",
        thread_id="m",
        ticker=ticker,
        side=OrderSide.BUY,
        qty=Decimal(10),
        reference_price=Decimal(100),
        created_at=datetime.now(UTC),
        **kw,  # type: ignore[arg-type]
    )


def _monitor(alpaca: AlpacaBroker, ledger: SqlLedger) -> PositionMonitor:
    return PositionMonitor(broker=alpaca, ledger=ledger, limits=limits(), clock=SystemClock())


def test_bracket_legs_are_protection_enough(
    fake: FakeAlpaca, alpaca: AlpacaBroker, ledger: SqlLedger
) -> None:
    it = _entry("AAPL", stop_loss=Decimal(95), take_profit=Decimal(110))
    submit_exactly_once(it, it.qty, broker=alpaca, ledger=ledger)
    report = _monitor(alpaca, ledger).run_once()
    assert report.restored_stops == ()
    assert not any(o["type"] == "stop" and not o.get("parent_id") for o in fake.orders.values())


def test_unguarded_position_gets_one_stop_at_the_broker(
    fake: FakeAlpaca, alpaca: AlpacaBroker, ledger: SqlLedger
) -> None:
    it = _entry("AAPL")
    submit_exactly_once(it, it.qty, broker=alpaca, ledger=ledger)
    monitor = _monitor(alpaca, ledger)
    (restored,) = monitor.run_once().restored_stops
    assert restored.order is not None
    assert monitor.run_once().restored_stops == ()
    stops = [o for o in fake.orders.values() if o["type"] == "stop"]
    assert [(o["side"], Decimal(o["stop_price"])) for o in stops] == [("sell", Decimal(95))]


def test_daily_loss_breach_halts_and_flattens_at_alpaca(
    fake: FakeAlpaca, alpaca: AlpacaBroker, ledger: SqlLedger
) -> None:
    it = _entry("AAPL").model_copy(update={"qty": Decimal(900)})
    submit_exactly_once(it, it.qty, broker=alpaca, ledger=ledger)
    monitor = _monitor(alpaca, ledger)
    monitor.run_once()  # session baseline 100k
    fake.prices["AAPL"] = Decimal("96.5")
    report = monitor.run_once()
    assert report.emergency is not None and report.emergency.flat
    assert ledger.trading_state().status is TradingStatus.HALTED
    assert fake.positions == {}
    assert [o["status"] for o in fake.orders.values() if o["type"] == "stop"] == ["canceled"]
