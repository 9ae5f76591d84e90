"""The emergency stop's alert is in the alerts table after ``hedgegraph halt`` (invariant 8).

A real CLI subprocess in a clean environment (no sink configured, nothing read from a ``.env``):
before the operator commands gave the dispatcher the ledger as its journal, the alert existed
only as a log line.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from domain import EventSeverity
from tools.persistence.records import AlertStatus
from tools.persistence.sql_ledger import SqlLedger

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[3]


def _hedgegraph(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The CLI in its own working directory with only PATH from the parent environment."""
    workdir = home.parent / "cwd"
    workdir.mkdir(parents=True, exist_ok=True)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "HEDGEGRAPH_HOME": str(home),
        "PYTHONPATH": str(REPO),
    }
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        env=env,
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_halt_stores_its_alert_with_no_sink_configured(tmp_path: Path) -> None:
    home = tmp_path / "home"
    halted = _hedgegraph(home, "halt", "--reason", "operator drill", "--yes")
    assert halted.returncode == 0, halted.stderr
    ledger = SqlLedger.from_url(f"sqlite:///{home / 'hedgegraph.sqlite'}")
    try:
        (alert,) = ledger.alerts.unresolved()
    finally:
        ledger.close()
    assert (alert.severity, alert.title, alert.status) == (
        EventSeverity.CRITICAL,
        "emergency stop",
        AlertStatus.OPEN,
    )
    assert "operator drill" in alert.dedupe_key
