"""SIGTERM during a scheduled cycle: no order without its record, and the next start resumes the
slot (or reports it done) without submitting anything twice.

The signal is sent once the cycle's run has recorded the gate's verdicts, so it lands during
``execute`` or ``record``, where a stop must still let the records be written.
"""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from tests.integration.schedule.scheduler_processes import (
    SLOT,
    broker_orders,
    finish,
    start_scheduler,
)
from tools.persistence.schedule_records import JobSlotStore
from tools.persistence.sql_ledger import SqlLedger


def _wait_for_gate(home: Path, deadline: float) -> None:
    database = home / "hedgegraph.sqlite"
    while time.monotonic() < deadline:
        if database.exists():
            engine = create_engine(f"sqlite:///{database}")
            try:
                with engine.connect() as conn:
                    found = conn.execute(
                        text("select count(*) from run_events where kind = 'gate_verdict'")
                    ).scalar()
                if found:
                    return
            except Exception:  # tables not migrated yet
                pass
            finally:
                engine.dispose()
        time.sleep(0.01)
    raise AssertionError("the cycle never reached the gate")


def test_sigterm_during_a_cycle_leaves_every_order_recorded_and_the_slot_resumable(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    proc = start_scheduler(home, "--once", "--job", "trading_cycle", "--at", SLOT, "--json")
    _wait_for_gate(home, time.monotonic() + 120)
    proc.send_signal(signal.SIGTERM)
    code, _, err = finish(proc)
    assert code in (0, 3), err[-3000:]

    ledger = SqlLedger.from_url(f"sqlite:///{home / 'hedgegraph.sqlite'}")
    try:
        for client_order_id in broker_orders(home):  # nothing at the broker the books lack
            assert ledger.order(client_order_id) is not None, client_order_id
            assert ledger.intent(client_order_id) is not None, client_order_id
        first = JobSlotStore(ledger.store).for_job("trading_cycle")
        assert [r.state for r in first] == ["interrupted" if code == 3 else "done"]
    finally:
        ledger.close()
    before = broker_orders(home)

    code, out, err = finish(
        start_scheduler(home, "--once", "--job", "trading_cycle", "--at", SLOT, "--json")
    )
    assert code == 0, err[-3000:]
    cycle = [s for s in json.loads(out)["slots"] if s["job"] == "trading_cycle"]
    if first[0].state == "interrupted":
        assert cycle[0]["outcome"] == "ran", cycle  # resumed at the next start
    assert len(broker_orders(home)) == 1  # the slot's one entry, never a second one
    assert set(before) <= set(broker_orders(home))
    ledger = SqlLedger.from_url(f"sqlite:///{home / 'hedgegraph.sqlite'}")
    try:
        rows = JobSlotStore(ledger.store).for_job("trading_cycle")
        assert [r.state for r in rows] == ["done"]
        for client_order_id in broker_orders(home):
            assert ledger.order(client_order_id) is not None
    finally:
        ledger.close()
