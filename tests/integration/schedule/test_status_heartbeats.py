"""``hedgegraph status`` and the API read the heartbeats the scheduler and the monitor write.

A real SQLite ledger and the local paper broker: a stale monitor beat with a position open is
shown as blocking entries (``monitor_stale``, the gate's rule), a fresh beat or a flat account
is not; the table rendering names each component with its age.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from rich.console import Console

from api.account_view import trading_status_view
from api.operator_render import render_status
from domain import OrderIntent, OrderSide
from graph.risk.gather import MONITOR_HEARTBEAT
from graph.schedule.heartbeats import SCHEDULER_HEARTBEAT
from tests.unit.risk.factory import NOW, limits
from tools.brokers.paper import PaperBroker
from tools.clock import FixedClock
from tools.persistence.schedule_records import HeartbeatStore
from tools.persistence.sql_ledger import SqlLedger

LIMIT = 180


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[SqlLedger]:
    book = SqlLedger.from_url(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    yield book
    book.close()


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[PaperBroker]:
    paper = PaperBroker(
        database_url=f"sqlite:///{tmp_path / 'paper.sqlite'}",
        starting_cash=Decimal(100000),
        slippage_bps=0,
        price_source=lambda _: Decimal(100),
        clock=FixedClock(NOW),
    )
    yield paper
    paper.close()


def _hold(broker: PaperBroker, ticker: str = "MSFT") -> None:
    """A position in the paper account (set-up only: the product reaches it through the road)."""
    intent = OrderIntent(
        client_order_id=f"setup-{ticker}",
        decision_id="setup",
        thread_id="setup",
        ticker=ticker,
        side=OrderSide.BUY,
        qty=Decimal(5),
        reference_price=Decimal(100),
        created_at=NOW,
    )
    broker.submit_order(intent, Decimal(5))


def _status(broker: PaperBroker, ledger: SqlLedger, seconds_later: int = 0) -> object:
    clock = FixedClock(NOW + timedelta(seconds=seconds_later))
    return trading_status_view(
        broker=broker,
        ledger=ledger,
        limits=limits(monitor_heartbeat_max_age_seconds=LIMIT),
        clock=clock,
    )


def _rendered(view: object) -> str:
    console = Console(width=120, record=True, color_system=None)
    render_status(view, console)  # type: ignore[arg-type]
    return console.export_text()


def test_no_scheduler_ever_ran_says_so(broker: PaperBroker, ledger: SqlLedger) -> None:
    view = _status(broker, ledger)
    assert view.heartbeats == [] and view.monitor_stale is False  # type: ignore[attr-defined]
    assert "no scheduler heartbeat recorded" in _rendered(view)


def test_a_stale_monitor_with_a_position_open_shows_entries_blocked(
    broker: PaperBroker, ledger: SqlLedger
) -> None:
    beats = HeartbeatStore(ledger.store)
    beats.beat(SCHEDULER_HEARTBEAT, NOW, owner="host:11")
    beats.beat(MONITOR_HEARTBEAT, NOW, owner="host:11")
    _hold(broker)

    fresh = _status(broker, ledger, seconds_later=LIMIT)
    assert fresh.monitor_stale is False  # type: ignore[attr-defined]
    assert [(b.component, b.stale) for b in fresh.heartbeats] == [  # type: ignore[attr-defined]
        ("monitor", False),
        ("scheduler", False),
    ]

    stale = _status(broker, ledger, seconds_later=LIMIT + 1)
    assert stale.monitor_stale is True  # type: ignore[attr-defined]
    monitor = stale.heartbeats[0]  # type: ignore[attr-defined]
    assert (monitor.component, monitor.stale, monitor.age_seconds) == ("monitor", True, 181.0)
    text = _rendered(stale)
    assert "heartbeat monitor: STALE · 181 s ago · host:11" in text
    assert "new entries blocked (monitor_stale)" in text

    beats.beat(MONITOR_HEARTBEAT, NOW + timedelta(seconds=LIMIT + 1), owner="host:12")
    again = _status(broker, ledger, seconds_later=LIMIT + 1)
    assert again.monitor_stale is False  # type: ignore[attr-defined]
    assert "new entries blocked" not in _rendered(again)


def test_a_stale_monitor_on_a_flat_account_blocks_nothing(
    broker: PaperBroker, ledger: SqlLedger
) -> None:
    HeartbeatStore(ledger.store).beat(MONITOR_HEARTBEAT, NOW, owner="host:11")
    view = _status(broker, ledger, seconds_later=3600)
    assert [b.stale for b in view.heartbeats] == [True]  # type: ignore[attr-defined]
    assert view.monitor_stale is False  # type: ignore[attr-defined]
