"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22 05:03:26.211934
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from tools.persistence.types import Money, UtcDateTime

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("thread_id", sa.String(length=128), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", UtcDateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=64), nullable=True),
        sa.Column("resolved_at", UtcDateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alerts_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_alerts_severity"), ["severity"], unique=False)
        batch_op.create_index(batch_op.f("ix_alerts_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_alerts_thread_id"), ["thread_id"], unique=False)

    op.create_table(
        "performance_snapshots",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("as_of", UtcDateTime(timezone=True), nullable=False),
        sa.Column("equity", Money(precision=24, scale=10), nullable=False),
        sa.Column("cash", Money(precision=24, scale=10), nullable=False),
        sa.Column("gross_exposure", Money(precision=24, scale=10), nullable=False),
        sa.Column("net_exposure", Money(precision=24, scale=10), nullable=False),
        sa.Column("realized_pnl", Money(precision=24, scale=10), nullable=False),
        sa.Column("drawdown_pct", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_performance_snapshots")),
        sa.UniqueConstraint("as_of", name=op.f("uq_performance_snapshots_as_of")),
    )
    op.create_table(
        "portfolio_snapshots",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("as_of", UtcDateTime(timezone=True), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("cash", Money(precision=24, scale=10), nullable=False),
        sa.Column("equity", Money(precision=24, scale=10), nullable=False),
        sa.Column("buying_power", Money(precision=24, scale=10), nullable=False),
        sa.Column("thread_id", sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portfolio_snapshots")),
    )
    with op.batch_alter_table("portfolio_snapshots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_portfolio_snapshots_as_of"), ["as_of"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_portfolio_snapshots_thread_id"), ["thread_id"], unique=False
        )

    op.create_table(
        "risk_baselines",
        sa.Column("session_date", sa.Date(), nullable=False),
        sa.Column("start_equity", Money(precision=24, scale=10), nullable=False),
        sa.Column("high_water_mark", Money(precision=24, scale=10), nullable=False),
        sa.Column("updated_at", UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("session_date", name=op.f("pk_risk_baselines")),
    )
    op.create_table(
        "run_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("thread_id", sa.String(length=128), nullable=False),
        sa.Column("node", sa.String(length=64), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("ticker", sa.String(length=16), nullable=True),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("at", UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_run_events")),
    )
    with op.batch_alter_table("run_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_run_events_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_run_events_severity"), ["severity"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_run_events_thread_id_at"), ["thread_id", "at"], unique=False
        )

    op.create_table(
        "threads",
        sa.Column("thread_id", sa.String(length=128), nullable=False),
        sa.Column("mode", sa.String(length=32), nullable=False),
        sa.Column("session_mode", sa.String(length=32), nullable=False),
        sa.Column("tickers", sa.JSON(), nullable=False),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("thread_id", name=op.f("pk_threads")),
    )
    with op.batch_alter_table("threads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_threads_created_at"), ["created_at"], unique=False)

    op.create_table(
        "trading_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("changed_at", UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trading_state")),
    )
    op.create_table(
        "watchlist",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("symbol", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("target_entry", Money(precision=24, scale=10), nullable=True),
        sa.Column("stop_loss", Money(precision=24, scale=10), nullable=True),
        sa.Column("take_profit", Money(precision=24, scale=10), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("expires_at", UtcDateTime(timezone=True), nullable=True),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watchlist")),
    )
    with op.batch_alter_table("watchlist", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_watchlist_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_watchlist_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_watchlist_symbol"), ["symbol"], unique=False)

    op.create_table(
        "decision_audit",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("thread_id", sa.String(length=128), nullable=False),
        sa.Column("decision_id", sa.String(length=128), nullable=False),
        sa.Column("ticker", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("quantity", Money(precision=24, scale=10), nullable=False),
        sa.Column("confidence", sa.Double(), nullable=False),
        sa.Column("policy", sa.String(length=128), nullable=False),
        sa.Column("reasoning", sa.Text(), nullable=False),
        sa.Column("decision", sa.JSON(), nullable=False),
        sa.Column("inputs_digest", sa.String(length=128), nullable=False),
        sa.Column("model", sa.String(length=128), nullable=False),
        sa.Column("prompt_hash", sa.String(length=128), nullable=True),
        sa.Column("analyst_verdicts", sa.JSON(), nullable=False),
        sa.Column("gate_outcome", sa.String(length=16), nullable=True),
        sa.Column("gate_reason_codes", sa.JSON(), nullable=False),
        sa.Column("gate_verdict", sa.JSON(), nullable=True),
        sa.Column("order_client_ids", sa.JSON(), nullable=False),
        sa.Column("recorded_at", UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["threads.thread_id"],
            name=op.f("fk_decision_audit_thread_id_threads"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_audit")),
        sa.UniqueConstraint(
            "thread_id", "decision_id", name=op.f("uq_decision_audit_thread_id_decision_id")
        ),
    )
    with op.batch_alter_table("decision_audit", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_decision_audit_gate_outcome"), ["gate_outcome"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_decision_audit_recorded_at"), ["recorded_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_decision_audit_thread_id"), ["thread_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_decision_audit_ticker"), ["ticker"], unique=False)

    op.create_table(
        "order_intents",
        sa.Column("client_order_id", sa.String(length=64), nullable=False),
        sa.Column("thread_id", sa.String(length=128), nullable=False),
        sa.Column("decision_id", sa.String(length=128), nullable=False),
        sa.Column("ticker", sa.String(length=16), nullable=False),
        sa.Column("side", sa.String(length=8), nullable=False),
        sa.Column("qty", Money(precision=24, scale=10), nullable=False),
        sa.Column("approved_qty", Money(precision=24, scale=10), nullable=False),
        sa.Column("order_type", sa.String(length=16), nullable=False),
        sa.Column("time_in_force", sa.String(length=8), nullable=False),
        sa.Column("limit_price", Money(precision=24, scale=10), nullable=True),
        sa.Column("reference_price", Money(precision=24, scale=10), nullable=False),
        sa.Column("reduces_position", sa.Boolean(), nullable=False),
        sa.Column("stop_loss", Money(precision=24, scale=10), nullable=True),
        sa.Column("take_profit", Money(precision=24, scale=10), nullable=True),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["threads.thread_id"],
            name=op.f("fk_order_intents_thread_id_threads"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("client_order_id", name=op.f("pk_order_intents")),
    )
    with op.batch_alter_table("order_intents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_order_intents_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_order_intents_thread_id"), ["thread_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_order_intents_ticker"), ["ticker"], unique=False)

    op.create_table(
        "position_snapshots",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("symbol", sa.String(length=16), nullable=False),
        sa.Column("qty", Money(precision=24, scale=10), nullable=False),
        sa.Column("avg_entry_price", Money(precision=24, scale=10), nullable=False),
        sa.Column("market_price", Money(precision=24, scale=10), nullable=True),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["portfolio_snapshots.id"],
            name=op.f("fk_position_snapshots_snapshot_id_portfolio_snapshots"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_position_snapshots")),
    )
    with op.batch_alter_table("position_snapshots", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_position_snapshots_snapshot_id"), ["snapshot_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_position_snapshots_symbol"), ["symbol"], unique=False)

    op.create_table(
        "runs",
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("thread_id", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("started_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", UtcDateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["threads.thread_id"],
            name=op.f("fk_runs_thread_id_threads"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_runs")),
    )
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_runs_started_at"), ["started_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_runs_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_runs_thread_id"), ["thread_id"], unique=False)

    op.create_table(
        "orders",
        sa.Column("client_order_id", sa.String(length=64), nullable=False),
        sa.Column("broker_order_id", sa.String(length=64), nullable=False),
        sa.Column("ticker", sa.String(length=16), nullable=False),
        sa.Column("side", sa.String(length=8), nullable=False),
        sa.Column("qty", Money(precision=24, scale=10), nullable=False),
        sa.Column("order_type", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("filled_qty", Money(precision=24, scale=10), nullable=False),
        sa.Column("filled_avg_price", Money(precision=24, scale=10), nullable=True),
        sa.Column("limit_price", Money(precision=24, scale=10), nullable=True),
        sa.Column("submitted_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_order_id"],
            ["order_intents.client_order_id"],
            name=op.f("fk_orders_client_order_id_order_intents"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("client_order_id", name=op.f("pk_orders")),
        sa.UniqueConstraint("broker_order_id", name=op.f("uq_orders_broker_order_id")),
    )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_orders_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_orders_submitted_at"), ["submitted_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_orders_ticker"), ["ticker"], unique=False)

    op.create_table(
        "fills",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("client_order_id", sa.String(length=64), nullable=False),
        sa.Column("broker_order_id", sa.String(length=64), nullable=False),
        sa.Column("ticker", sa.String(length=16), nullable=False),
        sa.Column("side", sa.String(length=8), nullable=False),
        sa.Column("qty", Money(precision=24, scale=10), nullable=False),
        sa.Column("price", Money(precision=24, scale=10), nullable=False),
        sa.Column("filled_at", UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_order_id"],
            ["orders.client_order_id"],
            name=op.f("fk_fills_client_order_id_orders"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fills")),
        sa.UniqueConstraint(
            "client_order_id",
            "filled_at",
            "qty",
            "price",
            name=op.f("uq_fills_client_order_id_filled_at_qty_price"),
        ),
    )
    with op.batch_alter_table("fills", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fills_client_order_id"), ["client_order_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_fills_filled_at"), ["filled_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_fills_ticker"), ["ticker"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("fills", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fills_ticker"))
        batch_op.drop_index(batch_op.f("ix_fills_filled_at"))
        batch_op.drop_index(batch_op.f("ix_fills_client_order_id"))

    op.drop_table("fills")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_orders_ticker"))
        batch_op.drop_index(batch_op.f("ix_orders_submitted_at"))
        batch_op.drop_index(batch_op.f("ix_orders_status"))

    op.drop_table("orders")
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_runs_thread_id"))
        batch_op.drop_index(batch_op.f("ix_runs_status"))
        batch_op.drop_index(batch_op.f("ix_runs_started_at"))

    op.drop_table("runs")
    with op.batch_alter_table("position_snapshots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_position_snapshots_symbol"))
        batch_op.drop_index(batch_op.f("ix_position_snapshots_snapshot_id"))

    op.drop_table("position_snapshots")
    with op.batch_alter_table("order_intents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_order_intents_ticker"))
        batch_op.drop_index(batch_op.f("ix_order_intents_thread_id"))
        batch_op.drop_index(batch_op.f("ix_order_intents_created_at"))

    op.drop_table("order_intents")
    with op.batch_alter_table("decision_audit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decision_audit_ticker"))
        batch_op.drop_index(batch_op.f("ix_decision_audit_thread_id"))
        batch_op.drop_index(batch_op.f("ix_decision_audit_recorded_at"))
        batch_op.drop_index(batch_op.f("ix_decision_audit_gate_outcome"))

    op.drop_table("decision_audit")
    with op.batch_alter_table("watchlist", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_watchlist_symbol"))
        batch_op.drop_index(batch_op.f("ix_watchlist_status"))
        batch_op.drop_index(batch_op.f("ix_watchlist_expires_at"))

    op.drop_table("watchlist")
    op.drop_table("trading_state")
    with op.batch_alter_table("threads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_threads_created_at"))

    op.drop_table("threads")
    with op.batch_alter_table("run_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_run_events_thread_id_at"))
        batch_op.drop_index(batch_op.f("ix_run_events_severity"))
        batch_op.drop_index(batch_op.f("ix_run_events_at"))

    op.drop_table("run_events")
    op.drop_table("risk_baselines")
    with op.batch_alter_table("portfolio_snapshots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_portfolio_snapshots_thread_id"))
        batch_op.drop_index(batch_op.f("ix_portfolio_snapshots_as_of"))

    op.drop_table("portfolio_snapshots")
    op.drop_table("performance_snapshots")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alerts_thread_id"))
        batch_op.drop_index(batch_op.f("ix_alerts_status"))
        batch_op.drop_index(batch_op.f("ix_alerts_severity"))
        batch_op.drop_index(batch_op.f("ix_alerts_created_at"))

    op.drop_table("alerts")
