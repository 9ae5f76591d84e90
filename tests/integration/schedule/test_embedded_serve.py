"""The scheduler inside ``hedgegraph serve`` (``schedule.embedded: true``), as real processes.

One job is on, retention every minute (it touches no broker), so the embedded daemon has a slot
to run within a minute on the wall clock. The server beats at start (``/ready`` and ``status``
show it, owned by the server's pid), runs the slot and records it; a standalone
``hedgegraph scheduler --once`` for the same slot then skips it (the shared slot record), and
SIGTERM stops the server cleanly.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.test_cli import cli
from tests.e2e.test_serve import _free_port, _serve, _stop, _wait_alive
from tools.persistence.schedule_records import JobSlotStore
from tools.persistence.sql_ledger import SqlLedger

pytestmark = pytest.mark.timeout(300)

ONLY_RETENTION = {
    "SCHEDULE__EMBEDDED": "true",
    "SCHEDULE__TRADING_CYCLE_ENABLED": "false",
    "SCHEDULE__POSITION_MONITOR_ENABLED": "false",
    "SCHEDULE__HEALTH_CHECK_ENABLED": "false",
    "SCHEDULE__RECONCILE_ENABLED": "false",
    "SCHEDULE__EOD_REPORT_ENABLED": "false",
    "SCHEDULE__RETENTION_CRON": "* * * * *",
    "HEDGEGRAPH_API_KEY": "embedded-scheduler-test-key-0123456789",
}


def _poll(what: str, probe: Any, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (found := probe()) is not None:
            return found
        time.sleep(0.5)
    raise AssertionError(f"not seen within {timeout} s: {what}")


def _retention_slots(home: Path) -> list[Any]:
    ledger = SqlLedger.from_url(f"sqlite:///{home / 'hedgegraph.sqlite'}")
    try:
        return JobSlotStore(ledger.store).for_job("retention")
    finally:
        ledger.close()


def test_serve_runs_the_embedded_scheduler_and_shares_its_slots(tmp_path: Path) -> None:
    home = tmp_path / "home"
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    proc = _serve(home, port, **ONLY_RETENTION)
    owner_suffix = f":{proc.pid}"
    try:
        _wait_alive(url, proc)

        def scheduler_beat() -> dict[str, Any] | None:
            beats = httpx.get(f"{url}/ready", timeout=10).json().get("heartbeats", [])
            return next((b for b in beats if b["component"] == "scheduler"), None)

        beat = _poll("the scheduler's heartbeat in /ready", scheduler_beat, 90)
        assert beat["owner"].endswith(owner_suffix) and beat["stale"] is False

        def done_slot() -> Any:
            rows = [r for r in _retention_slots(home) if r.state == "done"]
            return rows[0] if rows else None

        slot = _poll("a retention slot run by the server", done_slot, 150)
        assert slot.owner.endswith(owner_suffix)

        status = cli(home, "status", "--json", cwd=None, **ONLY_RETENTION)
        assert status.returncode == 0, status.stderr
        components = {b["component"]: b for b in json.loads(status.stdout)["heartbeats"]}
        assert components["scheduler"]["owner"].endswith(owner_suffix)

        at = slot.slot_at.replace(tzinfo=UTC) if slot.slot_at.tzinfo is None else slot.slot_at
        again = cli(
            home,
            "scheduler",
            "--once",
            "--job",
            "retention",
            "--at",
            at.isoformat(),
            "--json",
            cwd=None,
            **ONLY_RETENTION,
        )
        assert again.returncode == 0, again.stderr
        (report,) = json.loads(again.stdout)["slots"]
        assert datetime.fromisoformat(report["slot_at"]) == at
        assert report["outcome"] == "skipped_already_ran", report
    finally:
        _out, err = _stop(proc)
    # uvicorn re-raises the signal it handled once its shutdown is complete
    assert proc.returncode in (0, -15), err
    assert "Application shutdown complete" in err and "Traceback" not in err, err
    rows = _retention_slots(home)
    assert len({r.slot_at for r in rows}) == len(rows), "no slot recorded twice"
    assert all(r.state == "done" for r in rows), [(r.slot_at, r.state, r.note) for r in rows]
