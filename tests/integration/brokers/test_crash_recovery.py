"""Kill -9 at every boundary between gate, submission and record; the restart neither duplicates
nor loses an order. And a HALTED state survives kill -9: the restart submits zero entries."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from domain import OrderStatus, TradingStatus
from tests.fakes.alpaca_trading_server import FakeAlpaca
from tests.integration.brokers.crash_worker import T0, intents
from tools.brokers.paper import PaperBroker
from tools.clock import FixedClock
from tools.persistence.sql_ledger import SqlLedger

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[3]


def _worker(
    folder: Path, mode: str = "cycle", failpoint: str = "", alpaca_url: str = ""
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HEDGEGRAPH_FAILPOINTS": failpoint, "PYTHONPATH": str(ROOT)}
    if alpaca_url:
        env["FAKE_ALPACA_URL"] = alpaca_url
    return subprocess.run(
        [sys.executable, "-m", "tests.integration.brokers.crash_worker", str(folder), mode],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _books(folder: Path) -> tuple[PaperBroker, SqlLedger]:
    broker = PaperBroker(
        database_url=f"sqlite:///{folder / 'paper.sqlite'}",
        starting_cash=Decimal(100_000),
        slippage_bps=0,
        price_source=lambda _t: Decimal(100),
        clock=FixedClock(T0),
    )
    return broker, SqlLedger.from_url(f"sqlite:///{folder / 'app.sqlite'}")


@pytest.mark.parametrize(
    "boundary", ["after_gate", "after_record_intent", "after_submit", "after_record_order"]
)
def test_kill_at_each_boundary_then_restart_gives_exactly_one_order_per_intent(
    tmp_path: Path, boundary: str
) -> None:
    crashed = _worker(tmp_path, failpoint=boundary)
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    restarted = _worker(tmp_path)
    assert restarted.returncode == 0, restarted.stderr
    broker, ledger = _books(tmp_path)
    try:
        expected = {i.client_order_id for i in intents()}
        orders = broker.all_orders()
        assert sorted(o.client_order_id for o in orders) == sorted(
            expected
        )  # none lost, none twice
        for order in orders:
            assert order.status is OrderStatus.FILLED
            assert ledger.order(order.client_order_id) == order
        positions = broker.portfolio().positions
        assert {s: p.qty for s, p in positions.items()} == {
            "AAPL": Decimal(10),
            "MSFT": Decimal(10),
        }
    finally:
        ledger.close()


def test_halted_survives_kill_9_and_the_restart_submits_no_entry(tmp_path: Path) -> None:
    halted = _worker(tmp_path, mode="halt", failpoint="after_halt")
    assert halted.returncode == -signal.SIGKILL, halted.stderr
    restarted = _worker(tmp_path)
    assert restarted.returncode == 0, restarted.stderr
    summary = json.loads(restarted.stdout)
    assert summary["sent"] == []
    assert summary["vetoed"] == [["trading_halted"], ["trading_halted"]]
    broker, ledger = _books(tmp_path)
    try:
        assert broker.all_orders() == []
        assert ledger.trading_state().status is TradingStatus.HALTED
    finally:
        ledger.close()


@pytest.mark.parametrize("boundary", ["after_record_intent", "after_submit", "after_record_order"])
def test_kill_at_each_boundary_against_alpaca_with_a_timeout_after_accept(
    tmp_path: Path, boundary: str, fake: FakeAlpaca, alpaca_url: str
) -> None:
    fake.faults.append("timeout_after_accept")  # the first submit is also ambiguous
    crashed = _worker(tmp_path, failpoint=boundary, alpaca_url=alpaca_url)
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    restarted = _worker(tmp_path, alpaca_url=alpaca_url)
    assert restarted.returncode == 0, restarted.stderr
    ledger = SqlLedger.from_url(f"sqlite:///{tmp_path / 'app.sqlite'}")
    try:
        for it in intents():
            assert fake.submissions_for(it.client_order_id) == 1
            remote = fake.by_client_id(it.client_order_id)
            local = ledger.order(it.client_order_id)
            assert remote is not None and local is not None
            assert local.broker_order_id == remote["id"]
            assert local.filled_qty == Decimal(remote["filled_qty"]) == Decimal(10)
        assert {s: p["qty"] for s, p in fake.positions.items()} == {
            "AAPL": Decimal(10),
            "MSFT": Decimal(10),
        }
    finally:
        ledger.close()
