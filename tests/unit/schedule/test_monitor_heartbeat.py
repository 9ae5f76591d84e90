"""A frozen monitor: its stale heartbeat raises a critical alert and the gate blocks new entries
(``monitor_stale``) while positions are open; exits still pass; a fresh beat unblocks."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from domain import EventSeverity, GateOutcome, MarketSnapshot, OrderSide, ReasonCode
from graph.risk.gate import evaluate_intents
from graph.risk.gather import MONITOR_HEARTBEAT, gather_gate_snapshot
from graph.schedule.heartbeats import check_monitor_heartbeat, heartbeat_views
from tests.unit.risk.factory import NOW, intent, limits, portfolio, snapshot
from tests.unit.schedule.test_week_plan import RecordingSink
from tools.alerts.dispatcher import AlertDispatcher
from tools.brokers.paper import PaperBroker
from tools.clock import FixedClock
from tools.persistence.schedule_records import HeartbeatStore
from tools.persistence.sql_ledger import SqlLedger

LIMIT = 180
HELD = portfolio("50000", {"MSFT": ("100", "100")})


@pytest.mark.parametrize(
    ("name", "pf", "beat_age", "side", "ticker", "blocked"),
    [
        ("stale beat, positions open: entry blocked", HELD, LIMIT + 1, OrderSide.BUY, "AAPL", True),
        ("stale beat: adding to a held name blocked", HELD, 3600, OrderSide.BUY, "MSFT", True),
        ("stale beat: an exit still passes", HELD, 3600, OrderSide.SELL, "MSFT", False),
        ("fresh beat: entry passes", HELD, 30, OrderSide.BUY, "AAPL", False),
        ("beat exactly at the limit: entry passes", HELD, LIMIT, OrderSide.BUY, "AAPL", False),
        ("stale beat, no positions: entry passes", portfolio(), 3600, OrderSide.BUY, "AAPL", False),
        ("no beat ever (no scheduler): entry passes", HELD, None, OrderSide.BUY, "AAPL", False),
    ],
)
def test_monitor_stale_rule(
    name: str, pf: object, beat_age: int | None, side: OrderSide, ticker: str, blocked: bool
) -> None:
    beat = None if beat_age is None else NOW - timedelta(seconds=beat_age)
    snap = snapshot(pf, monitor_heartbeat_at=beat)  # type: ignore[arg-type]
    verdict = evaluate_intents(
        [intent(ticker, side=side, qty="10")],
        snap,
        limits(monitor_heartbeat_max_age_seconds=LIMIT, max_position_pct=0.5),
    )[0]
    if blocked:
        assert verdict.outcome is GateOutcome.VETOED, name
        assert ReasonCode.MONITOR_STALE in verdict.reason_codes, verdict.reasons
    else:
        assert ReasonCode.MONITOR_STALE not in verdict.reason_codes, (name, verdict.reasons)
        assert verdict.outcome is not GateOutcome.VETOED, (name, verdict.reasons)


@pytest.fixture
def ledger(tmp_path: Path) -> SqlLedger:
    book = SqlLedger.from_url(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    yield book  # type: ignore[misc]
    book.close()


def test_the_gatherer_reads_the_monitors_beat_from_the_database(
    tmp_path: Path, ledger: SqlLedger
) -> None:
    clock = FixedClock(NOW)
    broker = PaperBroker(
        database_url=f"sqlite:///{tmp_path / 'paper.sqlite'}",
        starting_cash=Decimal(100000),
        slippage_bps=0,
        price_source=lambda _: Decimal(100),
        clock=clock,
    )
    market = MarketSnapshot(as_of=NOW, tickers={})
    gathered = gather_gate_snapshot(
        broker=broker, ledger=ledger, market=market, limits=limits(), clock=clock
    )
    assert gathered.monitor_heartbeat_at is None
    HeartbeatStore(ledger.store).beat(MONITOR_HEARTBEAT, NOW - timedelta(seconds=500), owner="p1")
    gathered = gather_gate_snapshot(
        broker=broker, ledger=ledger, market=market, limits=limits(), clock=clock
    )
    assert gathered.monitor_heartbeat_at == NOW - timedelta(seconds=500)
    broker.close()


def test_a_frozen_monitor_raises_a_critical_alert_within_its_threshold(ledger: SqlLedger) -> None:
    sink = RecordingSink()
    clock = FixedClock(NOW)
    alerts = AlertDispatcher([sink], clock=clock, journal=ledger.alerts)
    store = HeartbeatStore(ledger.store)
    store.beat(MONITOR_HEARTBEAT, NOW, owner="p1")  # then the monitor freezes

    def check() -> bool:
        return check_monitor_heartbeat(
            ledger, now=clock.now(), max_age_seconds=LIMIT, positions_open=True, alerts=alerts
        )

    clock.advance(timedelta(seconds=LIMIT))
    assert not check() and sink.alerts == []
    clock.advance(timedelta(seconds=1))
    assert check()
    assert [a.severity for a in sink.alerts] == [EventSeverity.CRITICAL]
    assert "monitor_stale" in sink.alerts[0].message
    views = heartbeat_views(ledger, now=clock.now(), max_age_seconds=LIMIT)
    assert [(v.component, v.stale) for v in views] == [("monitor", True)]

    store.beat(MONITOR_HEARTBEAT, clock.now(), owner="p1")  # the monitor is back
    assert not check()
    assert not check_monitor_heartbeat(
        ledger,
        now=clock.now() + timedelta(hours=1),
        max_age_seconds=LIMIT,
        positions_open=False,  # nothing open: nothing to watch
        alerts=alerts,
    )
