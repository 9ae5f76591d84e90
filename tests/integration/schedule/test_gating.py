"""Gating: with AUTO_TRADING_ENABLED false (or the account not ACTIVE) a scheduled cycle runs as
analysis only: verdicts are recorded, nothing reaches the broker, and the slot says why."""

from __future__ import annotations

import json
from pathlib import Path

from tests.integration.schedule.scheduler_processes import (
    SLOT,
    broker_orders,
    finish,
    start_scheduler,
)
from tools.persistence.schedule_records import JobSlotStore
from tools.persistence.sql_ledger import SqlLedger


def _run(home: Path, **extra: str) -> dict[str, str]:
    args = ("--once", "--job", "trading_cycle", "--at", SLOT, "--json")
    code, out, err = finish(start_scheduler(home, *args, **extra))
    assert code == 0, err[-3000:]
    (slot,) = json.loads(out)["slots"]
    return slot


def test_auto_trading_off_runs_analysis_only_and_records_why(tmp_path: Path) -> None:
    home = tmp_path / "home"
    slot = _run(home, AUTO_TRADING_ENABLED="false")
    assert slot["outcome"] == "ran"
    assert "analysis only (AUTO_TRADING_ENABLED is false)" in slot["note"]
    assert "human_rejected" in slot["note"]  # the entry the gate approved was not submitted
    assert broker_orders(home) == []
    ledger = SqlLedger.from_url(f"sqlite:///{home / 'hedgegraph.sqlite'}")
    try:
        (row,) = JobSlotStore(ledger.store).for_job("trading_cycle")
        assert "AUTO_TRADING_ENABLED is false" in row.note
    finally:
        ledger.close()


def test_a_halted_account_runs_analysis_only(tmp_path: Path) -> None:
    home = tmp_path / "home"
    workdir = home.parent / f"{home.name}-cwd"
    workdir.mkdir(parents=True)
    import subprocess
    import sys

    from tests.integration.schedule.scheduler_processes import scheduler_env

    halted = subprocess.run(
        [sys.executable, "-m", "api.cli", "halt", "--reason", "operator test", "--yes"],
        env=scheduler_env(home),
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert halted.returncode == 0, halted.stderr[-2000:]
    slot = _run(home)
    assert "trading state is HALTED" in slot["note"], slot
    assert broker_orders(home) == []
