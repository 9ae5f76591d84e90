"""Revision 0002 on a store that already holds 0001 data: nothing recorded is lost.

Run events written before runs existed are adopted by one completed run per thread (numbered in
time order, typed on the way out); a run that waited for approval reads ``awaiting_approval``;
stored alerts stay distinct rows. Down again, 0001 reads its own statuses back.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from domain import CycleEventKind, EventSeverity
from tests.unit.persistence.state_factory import AS_OF
from tools.persistence.migrate import create_store_engine, downgrade, upgrade
from tools.persistence.records import AlertStatus, RunStatus, RunTrigger
from tools.persistence.sql_ledger import SqlLedger


def _seed_0001(database_url: str) -> None:
    upgrade(database_url, "0001")
    engine = create_store_engine(database_url)
    at = [(AS_OF + timedelta(minutes=m)).replace(tzinfo=None) for m in range(3)]
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "insert into threads (thread_id, mode, session_mode, tickers, created_at) "
                    "values ('t-old', 'full', 'supervised', '[]', :at)"
                ),
                {"at": at[0]},
            )
            conn.execute(
                text(
                    "insert into runs (run_id, thread_id, status, started_at) "
                    "values ('r-old', 't-old', 'interrupted', :at)"
                ),
                {"at": at[0]},
            )
            for thread_id, node, severity, when in [
                ("t-old", "execute", "error", at[2]),
                ("t-old", "analysts", "warning", at[1]),
                ("t-gone", "record", "info", at[0]),
            ]:
                conn.execute(
                    text(
                        "insert into run_events (thread_id, node, severity, message, context, at) "
                        "values (:t, :n, :s, :m, '{}', :at)"
                    ),
                    {"t": thread_id, "n": node, "s": severity, "m": f"{node} said", "at": when},
                )
            for source in ("risk_gate", "risk_gate"):
                conn.execute(
                    text(
                        "insert into alerts (severity, source, message, context, status, "
                        "created_at) values ('critical', :s, 'halted', '{}', 'open', :at)"
                    ),
                    {"s": source, "at": at[0]},
                )
    finally:
        engine.dispose()


def test_upgrade_keeps_old_events_runs_and_alerts(database_url: str) -> None:
    _seed_0001(database_url)
    upgrade(database_url)
    ledger = SqlLedger.from_url(database_url, auto_upgrade=False)
    try:
        runs = ledger.runs.runs_for_thread("t-old")
        assert (runs[0].run_id, runs[0].status) == ("r-old", RunStatus.AWAITING_APPROVAL)
        (legacy,) = [r for r in runs if r.run_id.startswith("legacy-")]
        assert (legacy.status, legacy.trigger, legacy.last_seq) == (
            RunStatus.COMPLETED,
            RunTrigger.CLI,
            2,
        )
        events = ledger.runs.events_after(legacy.run_id)
        assert [(e.seq, e.node, e.kind) for e in events] == [
            (1, "analysts", CycleEventKind.WARNING),
            (2, "execute", CycleEventKind.ERROR),
        ]
        assert events[1].run_event is not None
        assert events[1].run_event.severity is EventSeverity.ERROR
        assert events[1].at == AS_OF + timedelta(minutes=2)
        # an event of a thread with no thread row got both
        assert len(ledger.runs.runs_for_thread("t-gone")) == 1
        alerts = ledger.alerts.unresolved()
        assert len(alerts) == 2 and {a.status for a in alerts} == {AlertStatus.OPEN}
        assert len({a.dedupe_key for a in alerts}) == 2
        # the mapped status is a final one: the run reads as ended, not as still running
        ledger.runs.finish_run("r-old", RunStatus.AWAITING_APPROVAL, at=AS_OF)
    finally:
        ledger.close()
    downgrade(database_url, "0001")
    engine = create_store_engine(database_url)
    try:
        with engine.connect() as conn:
            status = conn.execute(text("select status from runs where run_id = 'r-old'")).scalar()
            count = conn.execute(text("select count(*) from run_events")).scalar()
    finally:
        engine.dispose()
    assert (status, count) == ("interrupted", 3)
