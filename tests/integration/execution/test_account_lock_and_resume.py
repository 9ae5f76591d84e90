"""The execution road across real processes: racing cycles and a crash resumed too late.

9.2: two cycles on different threads, started together against one account, must not together
break the position cap that each respects alone (the account lock, with the snapshot taken inside
it); 9.5: a halt issued while a submission is in flight waits for it, then flattens; 9.4: a
cycle killed between the gate and execution and resumed after its decision's time to live is
re-gated on fresh data and sends nothing.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from domain import ReasonCode, TradingStatus
from graph.assembly import build_context
from graph.checkpoints.factory import aopen_checkpointer
from graph.checkpoints.locks import thread_locks_from_settings
from graph.monitor import operator
from graph.runner import arun_cycle
from tests.integration.execution.stack import AS_OF, stack_settings
from tools.brokers.paper import PaperBroker
from tools.clock import FixedClock
from tools.persistence.sql_ledger import SqlLedger

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[3]


def _worker(
    cwd: Path, home: Path, thread: str, *args: str, failpoint: str = ""
) -> subprocess.Popen[str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "HEDGEGRAPH_FAILPOINTS": failpoint,
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.integration.execution.cycle_worker",
            str(home),
            thread,
            *args,
        ],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=240)
    return process.returncode, out, err


def test_two_cycles_racing_on_one_account_never_break_a_cap(tmp_path: Path) -> None:
    """Each cycle alone buys 14 TSLA (4.7 % of equity under a 5 % sector cap); two started
    together must not hold 28 (9.5 %) (9.2).

    Both start at a barrier and the broker takes 2 s to accept, so without the account lock both
    gate on a snapshot that holds neither order, and both orders fill.
    """
    home = tmp_path / "home"
    settings = stack_settings(home, symbol_sectors={"TSLA": "autos"}, max_sector_pct=0.05)
    context = build_context(settings, clock=FixedClock(AS_OF))  # the schema exists before the race
    racers = [
        _worker(
            tmp_path,
            home,
            thread,
            "TSLA",
            "--sector-cap",
            "0.05",
            "--slow-submit",
            "2",
            "--barrier",
            str(tmp_path / "barrier"),
        )
        for thread in ("r1", "r2")  # each its own thread lock
    ]
    results = [_finish(p) for p in racers]
    assert [code for code, _out, _err in results] == [0, 0], [err for _c, _o, err in results]
    summaries = [json.loads(out) for _code, out, _err in results]
    assert any(s["orders"] for s in summaries), summaries  # precondition: one of them bought
    assert isinstance(context.broker, PaperBroker)
    portfolio = context.broker.portfolio()
    held = portfolio.positions["TSLA"]
    cap = Decimal("0.05") * portfolio.equity
    alone = max(Decimal(v[2]) for s in summaries for v in s["verdicts"])
    assert 2 * alone * held.market_price > cap, alone  # precondition: two of them would break it
    assert held.qty * held.avg_entry_price <= cap, summaries
    assert len([o for o in context.broker.all_orders() if o.filled_qty > 0]) == 1, summaries


async def test_a_crashed_cycle_resumed_after_its_ttl_is_regated_and_sends_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """9.4: killed at before_execute, resumed 12 s later with a 5 s TTL: vetoed, nothing sent."""
    monkeypatch.chdir(tmp_path)
    home = tmp_path / "home"
    code, _out, err = _finish(
        _worker(tmp_path, home, "t-ttl", "AAPL,TSLA", "--ttl", "5", failpoint="before_execute")
    )
    assert code == -signal.SIGKILL, err
    settings = stack_settings(home, decision_ttl_seconds=5)
    later = build_context(settings, clock=FixedClock(AS_OF + timedelta(seconds=12)))
    async with aopen_checkpointer(settings.effective_checkpoint_url) as saver:
        result = await arun_cycle(later, saver, thread_id="t-ttl")
    assert result.orders == []
    assert later.broker.open_orders() == []
    assert isinstance(later.broker, PaperBroker) and later.broker.all_orders() == []
    assert later.broker.portfolio().positions == {}
    entries = [v for v in result.verdicts if not v.intent.reduces_position]
    assert entries, "precondition: the crashed cycle had approved entries"
    assert all(ReasonCode.DECISION_EXPIRED in v.reason_codes for v in entries), result.verdicts
    assert any("decision_expired" in e.message for e in result.events)


async def test_a_crashed_cycle_resumed_within_its_ttl_still_trades(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The re-gate is no blanket veto: a prompt resume sends the approved orders once."""
    monkeypatch.chdir(tmp_path)
    home = tmp_path / "home"
    code, _out, err = _finish(
        _worker(tmp_path, home, "t-ok", "AAPL,TSLA", "--ttl", "60", failpoint="before_execute")
    )
    assert code == -signal.SIGKILL, err
    settings = stack_settings(home, decision_ttl_seconds=60)
    later = build_context(settings, clock=FixedClock(AS_OF + timedelta(seconds=12)))
    async with aopen_checkpointer(settings.effective_checkpoint_url) as saver:
        result = await arun_cycle(later, saver, thread_id="t-ok")
    assert sorted(o.ticker for o in result.orders) == ["AAPL", "TSLA"]
    assert isinstance(later.broker, PaperBroker) and len(later.broker.all_orders()) == 2


def test_a_halt_during_a_slow_submission_waits_for_it_and_leaves_the_account_flat(
    tmp_path: Path,
) -> None:
    """9.5: the broker is slow to answer a cycle's entry; ``halt`` from another process must not
    report flat while that entry is in flight, then let it fill under HALTED."""
    home = tmp_path / "home"
    settings = stack_settings(home)
    context = build_context(settings, clock=FixedClock(AS_OF))
    ledger = context.ledger
    assert isinstance(ledger, SqlLedger) and isinstance(context.broker, PaperBroker)
    run = _worker(tmp_path, home, "r1", "TSLA", "--slow-submit", "3")
    deadline = time.monotonic() + 120
    while not ledger.unsettled_intents():  # the entry is persisted: its submission has begun
        assert run.poll() is None and time.monotonic() < deadline, run.stderr
        time.sleep(0.05)
    halted = operator.halt(
        reason="operator halt",
        broker=context.broker,
        ledger=ledger,
        limits=settings.risk,
        clock=context.clock,
        locks=thread_locks_from_settings(settings),
    )
    code, out, err = _finish(run)
    assert code == 0, err
    assert json.loads(out)["orders"], "precondition: the cycle's entry was sent"
    assert halted.flat, halted
    assert ledger.trading_state().status is TradingStatus.HALTED
    assert context.broker.portfolio().positions == {}
    assert context.broker.open_orders() == []
