"""Fills, snapshots, runs, watchlist, alerts, risk baselines and performance on real stores."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from domain import Fill, OrderStatus, RunRequest
from tests.unit.persistence.state_factory import AS_OF, full_trading_state, order_for, order_intent
from tools.persistence.errors import LedgerInputError, UnknownIntentError
from tools.persistence.records import (
    Alert,
    AlertStatus,
    PerformanceSnapshot,
    RunStatus,
    WatchlistEntry,
    WatchlistStatus,
)
from tools.persistence.sql_ledger import SqlLedger


@pytest.fixture
def ledger(database_url: str) -> Iterator[SqlLedger]:
    opened = SqlLedger.from_url(database_url, auto_upgrade=True)
    yield opened
    opened.close()


def _fill(client_order_id: str, qty: str, price: str, minute: int) -> Fill:
    return Fill(
        broker_order_id="b-1",
        client_order_id=client_order_id,
        ticker="AAPL",
        side="buy",
        qty=Decimal(qty),
        price=Decimal(price),
        filled_at=AS_OF + timedelta(minutes=minute),
    )


def test_fills_are_stored_once_and_need_their_order(ledger: SqlLedger) -> None:
    intent = order_intent("t-fill", "d-1")
    ledger.record_intent(intent, "10")
    orphan = _fill(intent.client_order_id, "4", "170.80", 0)
    with pytest.raises(UnknownIntentError):
        ledger.books.record_fill(orphan)
    ledger.record_order(order_for(intent, OrderStatus.PARTIALLY_FILLED))
    assert ledger.books.record_fill(orphan) is True
    assert ledger.books.record_fill(orphan.model_copy(update={"qty": Decimal("4.000")})) is False
    second = _fill(intent.client_order_id, "6", "170.85", 1)
    assert ledger.books.record_fill(second) is True
    fills = ledger.books.fills_for_order(intent.client_order_id)
    assert [f.qty for f in fills] == [Decimal("4"), Decimal("6")]


def test_portfolio_snapshot_is_point_in_time(ledger: SqlLedger) -> None:
    snapshot = full_trading_state()["portfolio"]
    later = snapshot.model_copy(update={"as_of": AS_OF + timedelta(days=1), "cash": Decimal("5")})
    ledger.books.record_portfolio_snapshot(snapshot, thread_id="t-1")
    ledger.books.record_portfolio_snapshot(later)
    assert ledger.books.latest_portfolio_snapshot(at_or_before=AS_OF) == snapshot
    assert ledger.books.latest_portfolio_snapshot(at_or_before=AS_OF - timedelta(seconds=1)) is None
    assert ledger.books.latest_portfolio_snapshot(at_or_before=AS_OF + timedelta(days=2)) == later


def test_runs_record_start_and_outcome(ledger: SqlLedger) -> None:
    request = RunRequest(
        thread_id="t-run", tickers=("AAPL",), mode="full", session_mode="supervised"
    )
    ledger.books.start_run("r-1", request, at=AS_OF)
    ledger.books.finish_run("r-1", RunStatus.INTERRUPTED, at=AS_OF + timedelta(seconds=5))
    ledger.books.start_run("r-2", request, at=AS_OF + timedelta(minutes=1))
    with pytest.raises(LedgerInputError, match="error must be recorded"):
        ledger.books.finish_run("r-2", RunStatus.FAILED, at=AS_OF)
    ledger.books.finish_run("r-2", RunStatus.FAILED, at=AS_OF, error="broker timeout")
    with pytest.raises(LedgerInputError, match="never started"):
        ledger.books.finish_run("r-9", RunStatus.COMPLETED, at=AS_OF)
    runs = ledger.books.runs_for_thread("t-run")
    assert [(r.run_id, r.status, r.error) for r in runs] == [
        ("r-1", RunStatus.INTERRUPTED, None),
        ("r-2", RunStatus.FAILED, "broker timeout"),
    ]


def test_watchlist_orders_by_priority_and_drops_expired(ledger: SqlLedger) -> None:
    def entry(symbol: str, priority: int, expires: datetime | None) -> WatchlistEntry:
        return WatchlistEntry(
            symbol=symbol,
            priority=priority,
            target_entry=Decimal("100.5"),
            expires_at=expires,
            created_at=AS_OF,
            updated_at=AS_OF,
        )

    msft = ledger.watchlist.add(entry("MSFT", 1, None))
    ledger.watchlist.add(entry("NVDA", 5, AS_OF + timedelta(days=1)))
    ledger.watchlist.add(entry("TSLA", 9, AS_OF - timedelta(days=1)))
    assert [e.symbol for e in ledger.watchlist.active(at=AS_OF)] == ["NVDA", "MSFT"]
    assert msft.id is not None
    ledger.watchlist.set_status(msft.id, WatchlistStatus.TRIGGERED, at=AS_OF)
    assert [e.symbol for e in ledger.watchlist.active(at=AS_OF)] == ["NVDA"]
    assert ledger.watchlist.active(at=AS_OF)[0].target_entry == Decimal("100.5")


def test_alert_lifecycle(ledger: SqlLedger) -> None:
    raised = ledger.alerts.raise_alert(
        Alert(
            severity="critical",
            source="risk_gate",
            message="daily loss limit hit",
            created_at=AS_OF,
        )
    )
    assert raised.id is not None and raised.status is AlertStatus.OPEN
    acked = ledger.alerts.acknowledge(raised.id, by="ops", at=AS_OF + timedelta(minutes=1))
    assert acked.status is AlertStatus.ACKNOWLEDGED and acked.acknowledged_by == "ops"
    assert [a.id for a in ledger.alerts.unresolved()] == [raised.id]
    resolved = ledger.alerts.resolve(raised.id, by="ops", at=AS_OF + timedelta(minutes=2))
    assert resolved.status is AlertStatus.RESOLVED
    assert ledger.alerts.unresolved() == []
    with pytest.raises(LedgerInputError):
        ledger.alerts.acknowledge(9999, by="ops", at=AS_OF)


def test_risk_baselines_fix_start_equity_and_only_raise_the_high_water_mark(
    ledger: SqlLedger,
) -> None:
    day1, day2 = date(2024, 3, 7), date(2024, 3, 8)
    first = ledger.baselines.open_session(day1, Decimal("100000"), at=AS_OF)
    again = ledger.baselines.open_session(day1, Decimal("90000"), at=AS_OF)
    assert first.start_equity == again.start_equity == Decimal("100000")
    ledger.baselines.mark_equity(day1, Decimal("105000.25"), at=AS_OF)
    ledger.baselines.mark_equity(day1, Decimal("101000"), at=AS_OF)
    assert ledger.baselines.get(day1).high_water_mark == Decimal("105000.25")  # type: ignore[union-attr]
    second = ledger.baselines.open_session(day2, Decimal("99000"), at=AS_OF)
    assert second.start_equity == Decimal("99000")
    assert second.high_water_mark == Decimal("105000.25")
    with pytest.raises(LedgerInputError, match="never opened"):
        ledger.baselines.mark_equity(date(2024, 1, 1), Decimal("1"), at=AS_OF)


def test_performance_points_are_unique_per_instant(ledger: SqlLedger) -> None:
    point = PerformanceSnapshot(
        as_of=AS_OF,
        equity=Decimal("100305.22"),
        cash=Decimal("99999.63"),
        gross_exposure=Decimal("305.59"),
        net_exposure=Decimal("305.59"),
        drawdown_pct=0.01,
    )
    assert ledger.performance.record(point) is True
    assert ledger.performance.record(point) is False
    window = ledger.performance.between(AS_OF - timedelta(days=1), datetime(2030, 1, 1, tzinfo=UTC))
    assert window == [point]
