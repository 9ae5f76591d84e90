"""The end-of-day report, as the scheduler runs it: after a scheduled cycle bought, the report
at that session's close gives equity, P/L and exposure, and each analyst's hit rate over the
decisions that led to an order; it is sent through the alert sinks (and so stored)."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from tests.integration.schedule.scheduler_processes import (
    SLOT,
    broker_orders,
    finish,
    start_scheduler,
)
from tools.persistence.sql_ledger import SqlLedger

CLOSE_REPORT = "2025-03-11T16:10:00-04:00"
"""Ten minutes after that session's close (the job's default offset)."""
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def _once(home: Path, *args: str) -> dict[str, str]:
    code, out, err = finish(start_scheduler(home, "--once", *args, "--json"))
    assert code == 0, err[-3000:]
    (slot,) = json.loads(out)["slots"]
    return slot


def test_the_close_report_scores_the_analysts_behind_the_days_orders(tmp_path: Path) -> None:
    home = tmp_path / "home"
    cycle = _once(home, "--job", "trading_cycle", "--at", SLOT)
    assert cycle["outcome"] == "ran", cycle
    assert broker_orders(home), "the cycle bought something to score"
    report = _once(home, "--job", "eod_report", "--at", CLOSE_REPORT)
    assert report["outcome"] == "ran", report
    note = report["note"]
    assert note.startswith("end of day 2025-03-11: equity ")
    assert "open positions 1;" in note, note

    ledger = SqlLedger.from_url(f"sqlite:///{home / 'hedgegraph.sqlite'}")
    try:
        directional: Counter[str] = Counter()
        for audit in ledger.decisions_since(EPOCH):
            if audit.order_client_ids:
                for v in audit.analyst_verdicts:
                    if v["signal"] in ("bullish", "bearish"):
                        directional[str(v["analyst"])] += 1
        stored = [a for a in ledger.alerts.recent(limit=50) if a.title == "end-of-day report"]
    finally:
        ledger.close()
    assert directional, "the order's decision had analyst calls"
    shown = {
        name: (int(hits), int(scored))
        for name, hits, scored in re.findall(r"(\w+) (\d+)/(\d+) \(\d+%\)", note)
    }
    # Every directional call behind an order is scored (the price moved by the close).
    assert {name: scored for name, (_, scored) in shown.items()} == dict(directional), note
    assert all(0 <= hits <= scored for hits, scored in shown.values())
    assert [a.message for a in stored] == [note]
