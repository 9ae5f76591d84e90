"""Fills, watchlist, risk baselines and performance on real stores (runs and alerts: own files)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from domain import Fill, OrderStatus
from tests.unit.persistence.state_factory import AS_OF, order_for, order_intent
from tools.persistence.errors import UnknownIntentError
from tools.persistence.records import PerformanceSnapshot, WatchlistEntry, WatchlistStatus
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
        ledger.fills.record_fill(orphan)
    ledger.record_order(order_for(intent, OrderStatus.PARTIALLY_FILLED))
    assert ledger.fills.record_fill(orphan) is True
    assert ledger.fills.record_fill(orphan.model_copy(update={"qty": Decimal("4.000")})) is False
    second = _fill(intent.client_order_id, "6", "170.85", 1)
    assert ledger.fills.record_fill(second) is True
    fills = ledger.fills.fills_for_order(intent.client_order_id)
    assert [f.qty for f in fills] == [Decimal("4"), Decimal("6")]


def test_order_reports_book_the_fills_their_totals_imply(ledger: SqlLedger) -> None:
    intent = order_intent("t-imp", "d-1")
    ledger.record_intent(intent, "10")
    base = order_for(intent, OrderStatus.PARTIALLY_FILLED)
    partial = base.model_copy(
        update={"filled_qty": Decimal("4"), "filled_avg_price": Decimal("170.80")}
    )
    ledger.record_order(partial)
    ledger.record_order(partial)  # the same report twice books nothing more
    done = base.model_copy(
        update={
            "status": OrderStatus.FILLED,
            "filled_qty": Decimal("10"),
            "filled_avg_price": Decimal("170.83"),
            "updated_at": AS_OF + timedelta(seconds=30),
        }
    )
    ledger.record_order(done)
    ledger.record_order(partial)  # a late, stale report changes nothing
    fills = ledger.fills.fills_for_order(intent.client_order_id)
    assert [(f.qty, f.price, f.filled_at) for f in fills] == [
        (Decimal("4"), Decimal("170.80"), AS_OF),
        (Decimal("6"), Decimal("170.85"), AS_OF + timedelta(seconds=30)),
    ]
    assert sum(f.qty * f.price for f in fills) == Decimal("10") * Decimal("170.83")


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


def test_risk_baselines_fix_start_equity_and_only_raise_the_high_water_mark(
    ledger: SqlLedger,
) -> None:
    day1, day2 = date(2024, 3, 7), date(2024, 3, 8)
    first = ledger.observe_equity(day1, Decimal("100000"), at=AS_OF)
    again = ledger.observe_equity(day1, Decimal("90000"), at=AS_OF)
    assert first.start_equity == again.start_equity == Decimal("100000")
    ledger.observe_equity(day1, Decimal("105000.25"), at=AS_OF)
    ledger.observe_equity(day1, Decimal("101000"), at=AS_OF)
    assert ledger.risk_baseline(day1).high_water_mark == Decimal("105000.25")  # type: ignore[union-attr]
    second = ledger.observe_equity(day2, Decimal("99000"), at=AS_OF)
    assert second.start_equity == Decimal("99000")
    assert second.high_water_mark == Decimal("105000.25")
    assert ledger.risk_baseline(date(2024, 1, 1)) is None
    assert ledger.high_water_mark(through=date(2024, 1, 1)) is None
    assert ledger.high_water_mark(through=day2) == Decimal("105000.25")


def test_fills_for_thread_include_every_order_of_the_thread(ledger: SqlLedger) -> None:
    entry, other = order_intent("t-th", "d-1"), order_intent("t-other", "d-1")
    for intent in (entry, other):
        ledger.record_intent(intent, "10")
        ledger.record_order(order_for(intent, OrderStatus.FILLED))  # books its fill
    assert [f.client_order_id for f in ledger.fills.fills_for_thread("t-th")] == [
        entry.client_order_id
    ]


def test_recent_fills_span_threads_newest_first_and_stop_at_the_limit(ledger: SqlLedger) -> None:
    intents = [order_intent(f"t-{n}", "d-1") for n in range(3)]
    for n, intent in enumerate(intents):
        ledger.record_intent(intent, "10")
        ledger.record_order(
            order_for(intent).model_copy(update={"updated_at": AS_OF + timedelta(minutes=n)})
        )
    newest_first = [i.client_order_id for i in reversed(intents)]
    assert [f.client_order_id for f in ledger.fills.recent(10)] == newest_first
    assert [f.client_order_id for f in ledger.fills.recent(2)] == newest_first[:2]


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
