"""Heartbeats the scheduler and the monitor write, and the watch that notices a frozen monitor.

Why in the database: the risk gate, ``hedgegraph status`` and the API's ``/ready`` run in other
processes and must see the same beat. A stale monitor heartbeat while positions are open raises a
critical alert (once per stale spell, de-duplicated by the dispatcher) and the gate's
``monitor_stale`` rule blocks new entries until the monitor beats again.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from domain import EventSeverity
from graph.risk.gather import MONITOR_HEARTBEAT
from tools.alerts.dispatcher import AlertDispatcher
from tools.alerts.model import Alert
from tools.persistence.schedule_records import HeartbeatStore
from tools.persistence.sql_ledger import SqlLedger

__all__ = [
    "MONITOR_HEARTBEAT",
    "SCHEDULER_HEARTBEAT",
    "HeartbeatView",
    "check_monitor_heartbeat",
    "heartbeat_views",
]

SCHEDULER_HEARTBEAT = "scheduler"


class HeartbeatView(BaseModel):
    """One component's last beat, as status and ``/ready`` show it."""

    component: str
    beat_at: datetime
    age_seconds: float
    stale: bool
    owner: str


def heartbeat_views(
    ledger: SqlLedger, *, now: datetime, max_age_seconds: int
) -> list[HeartbeatView]:
    return [
        HeartbeatView(
            component=row.component,
            beat_at=row.beat_at,
            age_seconds=round((now - row.beat_at).total_seconds(), 1),
            stale=(now - row.beat_at).total_seconds() > max_age_seconds,
            owner=row.owner,
        )
        for row in HeartbeatStore(ledger.store).all()
    ]


def check_monitor_heartbeat(
    ledger: SqlLedger,
    *,
    now: datetime,
    max_age_seconds: int,
    positions_open: bool,
    alerts: AlertDispatcher,
) -> bool:
    """True (and a critical alert) when the monitor's beat is stale while positions are open."""
    row = HeartbeatStore(ledger.store).last(MONITOR_HEARTBEAT)
    if row is None or not positions_open:
        return False
    age = (now - row.beat_at).total_seconds()
    if age <= max_age_seconds:
        return False
    alerts.send(
        Alert(
            severity=EventSeverity.CRITICAL,
            title="position monitor heartbeat stale",
            message=f"the position monitor last beat {int(age)} s ago (limit {max_age_seconds} s) "
            "while positions are open; new entries are blocked (monitor_stale) until it beats",
            at=now,
            key=f"monitor-stale:{row.beat_at.isoformat()}",
            source="scheduler",
            context={"heartbeat_at": row.beat_at.isoformat(), "age_seconds": str(int(age))},
        )
    )
    return True
