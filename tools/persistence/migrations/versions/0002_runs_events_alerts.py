"""runs carry their trigger and event counter; run events belong to a run; alerts dedupe

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 22:30:00

Why: the faces read runs (trigger, status, timings), a run's events in order (``seq``, so a stream
resumes after event N) and unresolved alerts (one row per condition, counting repeats).
Events written before this revision had no run: each thread's events become one completed run
``legacy-<digest>`` so nothing already recorded is lost.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from tools.persistence.types import UtcDateTime

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UNRESOLVED = sa.text("status != 'resolved'")

_threads = sa.table(
    "threads",
    sa.column("thread_id", sa.String),
    sa.column("mode", sa.String),
    sa.column("session_mode", sa.String),
    sa.column("tickers", sa.JSON),
    sa.column("created_at", UtcDateTime),
)
_runs = sa.table(
    "runs",
    sa.column("run_id", sa.String),
    sa.column("thread_id", sa.String),
    sa.column("trigger", sa.String),
    sa.column("status", sa.String),
    sa.column("started_at", UtcDateTime),
    sa.column("finished_at", UtcDateTime),
    sa.column("error", sa.Text),
    sa.column("last_seq", sa.Integer),
)
_events = sa.table(
    "run_events",
    sa.column("id", sa.Integer),
    sa.column("run_id", sa.String),
    sa.column("seq", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("thread_id", sa.String),
    sa.column("node", sa.String),
    sa.column("severity", sa.String),
    sa.column("message", sa.Text),
    sa.column("ticker", sa.String),
    sa.column("context", sa.JSON),
    sa.column("at", UtcDateTime),
    sa.column("payload", sa.JSON),
)


def _legacy_run_id(thread_id: str) -> str:
    return "legacy-" + hashlib.sha256(thread_id.encode()).hexdigest()[:32]


def _adopt_legacy_events(bind: sa.Connection) -> None:
    """Give every run event written before runs existed a run of its thread, in time order."""
    rows = bind.execute(
        sa.select(_events).order_by(_events.c.thread_id, _events.c.at, _events.c.id)
    ).all()
    by_thread: dict[str, list[Any]] = {}
    for row in rows:
        by_thread.setdefault(row.thread_id, []).append(row)
    known = set(bind.execute(sa.select(_threads.c.thread_id)).scalars())
    for thread_id, events in by_thread.items():
        run_id = _legacy_run_id(thread_id)
        first, last = events[0].at, events[-1].at
        if thread_id not in known:
            bind.execute(
                _threads.insert().values(
                    thread_id=thread_id, mode="", session_mode="", tickers=[], created_at=first
                )
            )
        bind.execute(
            _runs.insert().values(
                run_id=run_id,
                thread_id=thread_id,
                trigger="cli",
                status="completed",
                started_at=first,
                finished_at=last,
                error=None,
                last_seq=len(events),
            )
        )
        for seq, event in enumerate(events, start=1):
            kind = "error" if event.severity in ("error", "critical") else "warning"
            run_event = {
                "node": event.node,
                "severity": event.severity,
                "message": event.message,
                "at": event.at.isoformat(),
                "ticker": event.ticker,
                "context": event.context,
            }
            payload = {
                "kind": kind,
                "thread_id": thread_id,
                "run_id": run_id,
                "seq": seq,
                "at": event.at.isoformat(),
                "node": event.node,
                "ticker": event.ticker,
                "run_event": run_event,
            }
            bind.execute(
                _events.update()
                .where(_events.c.id == event.id)
                .values(run_id=run_id, seq=seq, kind=kind, payload=payload)
            )


def upgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("trigger", sa.String(length=16), nullable=False, server_default="cli")
        )
        batch_op.add_column(sa.Column("last_seq", sa.Integer(), nullable=False, server_default="0"))
        batch_op.alter_column(
            "status", existing_type=sa.String(length=16), type_=sa.String(length=24)
        )
    bind.execute(
        _runs.update().where(_runs.c.status == "interrupted").values(status="awaiting_approval")
    )
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.alter_column("trigger", server_default=None)
        batch_op.alter_column("last_seq", server_default=None)
        batch_op.create_index(batch_op.f("ix_runs_trigger"), ["trigger"], unique=False)

    with op.batch_alter_table("run_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("run_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("kind", sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column("payload", sa.JSON(), nullable=True))
    _adopt_legacy_events(bind)
    with op.batch_alter_table("run_events", schema=None) as batch_op:
        batch_op.alter_column("run_id", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("seq", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("kind", existing_type=sa.String(length=24), nullable=False)
        batch_op.alter_column("payload", existing_type=sa.JSON(), nullable=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_run_events_run_id_runs"),
            "runs",
            ["run_id"],
            ["run_id"],
            ondelete="RESTRICT",
        )
        batch_op.create_unique_constraint(batch_op.f("uq_run_events_run_id_seq"), ["run_id", "seq"])

    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("title", sa.String(length=200), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("dedupe_key", sa.String(length=256), nullable=True))
        batch_op.add_column(
            sa.Column("occurrences", sa.Integer(), nullable=False, server_default="1")
        )
        batch_op.add_column(sa.Column("last_seen_at", UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("deliveries", sa.JSON(), nullable=True))
    alerts = sa.table(
        "alerts",
        sa.column("id", sa.Integer),
        sa.column("source", sa.String),
        sa.column("title", sa.String),
        sa.column("dedupe_key", sa.String),
        sa.column("created_at", sa.DateTime),
        sa.column("last_seen_at", sa.DateTime),
        sa.column("deliveries", sa.JSON),
    )
    # Alerts stored before this revision stay distinct: each gets a key of its own.
    bind.execute(
        alerts.update().values(
            title=alerts.c.source,
            dedupe_key=sa.literal("legacy:") + sa.cast(alerts.c.id, sa.String),
            last_seen_at=alerts.c.created_at,
            deliveries={},
        )
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.alter_column("title", server_default=None)
        batch_op.alter_column("occurrences", server_default=None)
        batch_op.alter_column("dedupe_key", existing_type=sa.String(length=256), nullable=False)
        batch_op.alter_column(
            "last_seen_at", existing_type=UtcDateTime(timezone=True), nullable=False
        )
        batch_op.alter_column("deliveries", existing_type=sa.JSON(), nullable=False)
        batch_op.create_index(
            "uq_alerts_unresolved_dedupe_key",
            ["dedupe_key"],
            unique=True,
            sqlite_where=_UNRESOLVED,
            postgresql_where=_UNRESOLVED,
        )


def downgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index("uq_alerts_unresolved_dedupe_key")
        batch_op.drop_column("deliveries")
        batch_op.drop_column("last_seen_at")
        batch_op.drop_column("occurrences")
        batch_op.drop_column("dedupe_key")
        batch_op.drop_column("title")

    with op.batch_alter_table("run_events", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_run_events_run_id_seq"), type_="unique")
        batch_op.drop_constraint(batch_op.f("fk_run_events_run_id_runs"), type_="foreignkey")
        batch_op.drop_column("payload")
        batch_op.drop_column("kind")
        batch_op.drop_column("seq")
        batch_op.drop_column("run_id")

    # 0001 knew no awaiting_approval or cancelled: map them to its nearest statuses.
    bind.execute(
        _runs.update().where(_runs.c.status == "awaiting_approval").values(status="interrupted")
    )
    bind.execute(
        _runs.update()
        .where(_runs.c.status == "cancelled")
        .values(status="failed", error=sa.func.coalesce(_runs.c.error, "cancelled"))
    )
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_runs_trigger"))
        batch_op.alter_column(
            "status", existing_type=sa.String(length=24), type_=sa.String(length=16)
        )
        batch_op.drop_column("last_seq")
        batch_op.drop_column("trigger")
