"""A run's events on record, whole and in order: when the cycle fails at ``execute`` and when the
process dies after its order (invariant 8), on the real embedded stack."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from config.settings import Settings
from domain import CycleEvent, CycleEventKind, OrderIntent
from graph.context import TradingContext
from graph.modes import WorkflowMode
from graph.runner import astream_cycle
from tools.persistence.records import RunStatus
from tools.persistence.sql_ledger import SqlLedger

TICKERS = ["AAPL", "MSFT", "NVDA", "AMZN", "META", "TSLA", "GOOGL", "JPM"]
REPO = Path(__file__).resolve().parents[3]


class _BrokerDownAtSubmit:
    """The real paper broker, except that submitting raises (a bug, not a broker answer)."""

    def __init__(self, broker: Any) -> None:
        self._broker = broker

    def __getattr__(self, name: str) -> Any:
        return getattr(self._broker, name)

    def submit_order(self, intent: OrderIntent, qty: Decimal) -> Any:
        raise RuntimeError(f"submit crashed for {intent.client_order_id}")


async def test_a_cycle_failing_at_execute_keeps_every_event_in_order(
    context: TradingContext,
    saver: Any,
) -> None:
    broken = dataclasses.replace(context, broker=_BrokerDownAtSubmit(context.broker))
    seen: list[CycleEvent] = []
    with pytest.raises(RuntimeError, match="submit crashed"):
        async for event in astream_cycle(
            broken, saver, thread_id="ev-exec", tickers=TICKERS, mode=WorkflowMode.SIGNAL
        ):
            seen.append(event)
    assert isinstance(context.ledger, SqlLedger)
    (run,) = context.ledger.runs.runs_for_thread("ev-exec")
    assert run.status is RunStatus.FAILED
    stored = context.ledger.runs.events_after(run.run_id)
    assert stored == seen  # everything the stream showed, nothing more, in its order
    assert [e.seq for e in stored] == list(range(1, len(stored) + 1))
    assert stored[-1].kind is CycleEventKind.FINISHED and stored[-1].status == "failed"
    started = [e.node for e in stored if e.kind is CycleEventKind.NODE_STARTED]
    assert "execute" in started, "precondition: the cycle reached execute"
    gate = [e for e in stored if e.kind is CycleEventKind.GATE_VERDICT]
    assert gate, "the gate's verdicts before the failure are on record"
    assert any(e.kind is CycleEventKind.ERROR and e.node == "execute" for e in stored)


_CRASH_AFTER_ORDER = textwrap.dedent(
    """
    import asyncio, os, sys
    from datetime import UTC, datetime
    from pathlib import Path
    from config.settings import load_settings
    from graph.assembly import build_context
    from graph.checkpoints.factory import aopen_checkpointer
    from graph.runner import arun_cycle
    from tools.clock import FixedClock

    import time
    from tools.persistence.runs import RunStore

    # a slow disk: each batch of run events lands well after its step ended, so the order
    # step's events are on record at the crash only if the runner waited for them
    _record_events = RunStore.record_events

    def slow_record_events(self, run_id, events):
        time.sleep(0.4)
        return _record_events(self, run_id, events)

    RunStore.record_events = slow_record_events

    settings = load_settings(hedgegraph_home=Path(sys.argv[1]))
    context = build_context(settings, clock=FixedClock(datetime(2025, 3, 11, 15, tzinfo=UTC)))

    def die_once_recorded(node, update):
        # ``record`` finishing means ``execute`` (and its order) is a finished step: the
        # process dies here, before this step's own events are written
        if node == "record":
            os._exit(9)

    async def go():
        async with aopen_checkpointer(settings.effective_checkpoint_url) as saver:
            await arun_cycle(context, saver, thread_id="ev-crash", tickers=sys.argv[2:],
                             mode="signal", on_progress=die_once_recorded)

    asyncio.run(go())
    """
)


def test_a_crash_after_the_order_leaves_the_order_steps_events(
    settings: Settings, context: TradingContext, tmp_path: Path
) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("APCA_", "OPENAI_", "FINANCIAL_DATASETS_", "HEDGEGRAPH_"))
        and k not in ("TRADING_SESSION_MODE", "WORKFLOW_MODE", "DATA_PROVIDERS", "BROKER")
    }
    env["PYTHONPATH"] = str(REPO)
    done = subprocess.run(
        [sys.executable, "-c", _CRASH_AFTER_ORDER, str(settings.hedgegraph_home), *TICKERS],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 9, done.stderr[-3000:]
    assert isinstance(context.ledger, SqlLedger)
    (run,) = context.ledger.runs.runs_for_thread("ev-crash")
    assert run.status is RunStatus.RUNNING  # it never ended: the process died
    stored = context.ledger.runs.events_after(run.run_id)
    assert [e.seq for e in stored] == list(range(1, len(stored) + 1))
    orders = context.ledger.orders_for_thread("ev-crash")
    assert orders, "precondition: the cycle placed an order before the crash"
    updates = [e for e in stored if e.kind is CycleEventKind.ORDER_UPDATE and e.order]
    assert {e.order.client_order_id for e in updates if e.order} == {
        o.client_order_id for o in orders
    }
    finished = [e.node for e in stored if e.kind is CycleEventKind.NODE_FINISHED]
    assert finished[-1] == "execute"
