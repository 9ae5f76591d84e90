"""``hedgegraph alerts``: the emergency stop's stored alert is listed, acknowledged, resolved.

Real subprocesses on a fresh home: the alert comes from a real ``halt`` (the dispatcher journals
every alert in the ledger), never from a row the test writes itself.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.test_cli import cli

pytestmark = pytest.mark.e2e


def _alerts(home: Path, *args: str) -> list[dict[str, object]]:
    proc = cli(home, "alerts", *args, "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_a_halts_alert_is_listed_acknowledged_and_resolved(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert _alerts(home) == []
    assert cli(home, "halt", "--yes").returncode == 0
    (alert,) = _alerts(home)
    assert alert["severity"] == "critical" and alert["status"] == "open"
    assert "HALTED" in str(alert["message"])

    table = cli(home, "alerts", COLUMNS="80")
    assert table.returncode == 0 and "emergency stop" in table.stdout
    assert max(len(line) for line in table.stdout.splitlines()) <= 80

    ack = cli(home, "alerts", "ack", str(alert["id"]), "--by", "ops")
    assert ack.returncode == 0, ack.stderr
    (seen,) = _alerts(home)
    assert seen["status"] == "acknowledged" and seen["acknowledged_by"] == "ops"

    assert cli(home, "alerts", "resolve", str(alert["id"]), "--by", "ops").returncode == 0
    assert _alerts(home) == [], "a resolved alert leaves the unresolved list"
    (kept,) = _alerts(home, "--all")
    assert kept["status"] == "resolved" and kept["resolved_by"] == "ops"

    assert cli(home, "resume-trading", "--yes").returncode == 0
    assert cli(home, "halt", "--yes").returncode == 0
    (again,) = _alerts(home)
    assert again["id"] != alert["id"], "after a resolve the next occurrence is a new alert"


def test_an_unknown_alert_is_bad_input_with_a_reason(tmp_path: Path) -> None:
    proc = cli(tmp_path / "home", "alerts", "ack", "999")
    assert proc.returncode == 2
    assert "alert 999 does not exist" in proc.stderr
    assert "Traceback" not in proc.stderr
