"""The trading records: threads and runs, order intents, orders, fills, positions, decision audit.

Why these shapes: every broker order links back to a persisted intent (invariant 3) and every
intent to its thread and decision audit row (invariant 6). Foreign keys are RESTRICT, never
CASCADE: deleting a thread must not silently take financial records with it.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, MetaData, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from tools.persistence.types import Money, UtcDateTime

__all__ = [
    "Base",
    "DecisionAuditRow",
    "FillRow",
    "OrderIntentRow",
    "OrderRow",
    "PortfolioSnapshotRow",
    "PositionSnapshotRow",
    "RunEventRow",
    "RunRow",
    "ThreadRow",
]

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with a naming convention, so migrations name constraints the same way."""

    metadata = MetaData(naming_convention=NAMING)


RESTRICT = "RESTRICT"


class ThreadRow(Base):
    """A graph thread: one trading cycle or research session, possibly resumed several times."""

    __tablename__ = "threads"

    thread_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    mode: Mapped[str] = mapped_column(String(32), default="")
    session_mode: Mapped[str] = mapped_column(String(32), default="")
    tickers: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class RunRow(Base):
    """One invocation (or resume) of a thread, with how it ended."""

    __tablename__ = "runs"

    run_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    thread_id: Mapped[str] = mapped_column(
        ForeignKey("threads.thread_id", ondelete=RESTRICT), index=True
    )
    trigger: Mapped[str] = mapped_column(String(16), index=True)
    status: Mapped[str] = mapped_column(String(24), index=True)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    error: Mapped[str | None] = mapped_column(Text)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    """Sequence number of the newest stored event; advanced under the row's lock."""


class OrderIntentRow(Base):
    """An intent persisted before submission; its client_order_id is the broker idempotency key."""

    __tablename__ = "order_intents"

    client_order_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    thread_id: Mapped[str] = mapped_column(
        ForeignKey("threads.thread_id", ondelete=RESTRICT), index=True
    )
    decision_id: Mapped[str] = mapped_column(String(128))
    ticker: Mapped[str] = mapped_column(String(16), index=True)
    side: Mapped[str] = mapped_column(String(8))
    qty: Mapped[Decimal] = mapped_column(Money)
    approved_qty: Mapped[Decimal] = mapped_column(Money)
    order_type: Mapped[str] = mapped_column(String(16))
    time_in_force: Mapped[str] = mapped_column(String(8))
    limit_price: Mapped[Decimal | None] = mapped_column(Money)
    reference_price: Mapped[Decimal] = mapped_column(Money)
    reduces_position: Mapped[bool]
    stop_loss: Mapped[Decimal | None] = mapped_column(Money)
    take_profit: Mapped[Decimal | None] = mapped_column(Money)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class OrderRow(Base):
    """The broker's latest view of an order, upserted by client_order_id."""

    __tablename__ = "orders"

    client_order_id: Mapped[str] = mapped_column(
        ForeignKey("order_intents.client_order_id", ondelete=RESTRICT), primary_key=True
    )
    broker_order_id: Mapped[str] = mapped_column(String(64), unique=True)
    ticker: Mapped[str] = mapped_column(String(16), index=True)
    side: Mapped[str] = mapped_column(String(8))
    qty: Mapped[Decimal] = mapped_column(Money)
    order_type: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(24), index=True)
    filled_qty: Mapped[Decimal] = mapped_column(Money)
    filled_avg_price: Mapped[Decimal | None] = mapped_column(Money)
    limit_price: Mapped[Decimal | None] = mapped_column(Money)
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class FillRow(Base):
    """One execution against an order; the same fill reported twice is stored once."""

    __tablename__ = "fills"
    __table_args__ = (UniqueConstraint("client_order_id", "filled_at", "qty", "price"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    client_order_id: Mapped[str] = mapped_column(
        ForeignKey("orders.client_order_id", ondelete=RESTRICT), index=True
    )
    broker_order_id: Mapped[str] = mapped_column(String(64))
    ticker: Mapped[str] = mapped_column(String(16), index=True)
    side: Mapped[str] = mapped_column(String(8))
    qty: Mapped[Decimal] = mapped_column(Money)
    price: Mapped[Decimal] = mapped_column(Money)
    filled_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class PortfolioSnapshotRow(Base):
    """The account as the broker reported it at ``as_of``."""

    __tablename__ = "portfolio_snapshots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    as_of: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    account_id: Mapped[str] = mapped_column(String(64), default="")
    cash: Mapped[Decimal] = mapped_column(Money)
    equity: Mapped[Decimal] = mapped_column(Money)
    buying_power: Mapped[Decimal] = mapped_column(Money)
    thread_id: Mapped[str | None] = mapped_column(String(128), index=True)


class PositionSnapshotRow(Base):
    """One position inside a portfolio snapshot."""

    __tablename__ = "position_snapshots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    snapshot_id: Mapped[int] = mapped_column(
        ForeignKey("portfolio_snapshots.id", ondelete=RESTRICT), index=True
    )
    symbol: Mapped[str] = mapped_column(String(16), index=True)
    qty: Mapped[Decimal] = mapped_column(Money)
    avg_entry_price: Mapped[Decimal] = mapped_column(Money)
    market_price: Mapped[Decimal | None] = mapped_column(Money)


class DecisionAuditRow(Base):
    """Why an order exists (invariant 6): inputs, model, prompt, verdicts, gate, order ids."""

    __tablename__ = "decision_audit"
    __table_args__ = (UniqueConstraint("thread_id", "decision_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    thread_id: Mapped[str] = mapped_column(
        ForeignKey("threads.thread_id", ondelete=RESTRICT), index=True
    )
    decision_id: Mapped[str] = mapped_column(String(128))
    ticker: Mapped[str] = mapped_column(String(16), index=True)
    action: Mapped[str] = mapped_column(String(8))
    quantity: Mapped[Decimal] = mapped_column(Money)
    confidence: Mapped[float]
    policy: Mapped[str] = mapped_column(String(128))
    reasoning: Mapped[str] = mapped_column(Text)
    decision: Mapped[dict[str, Any]] = mapped_column(JSON)
    inputs_digest: Mapped[str] = mapped_column(String(128))
    model: Mapped[str] = mapped_column(String(128))
    prompt_hash: Mapped[str | None] = mapped_column(String(128))
    analyst_verdicts: Mapped[list[Any]] = mapped_column(JSON)
    gate_outcome: Mapped[str | None] = mapped_column(String(16), index=True)
    gate_reason_codes: Mapped[list[Any]] = mapped_column(JSON)
    gate_verdict: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    order_client_ids: Mapped[list[Any]] = mapped_column(JSON)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class RunEventRow(Base):
    """One event of a run, numbered by ``seq`` within the run so a stream can resume after N.

    ``payload`` is the whole typed ``CycleEvent``; the other columns are what an operator filters
    on (severity, node, ticker, time) without parsing it.
    """

    __tablename__ = "run_events"
    __table_args__ = (Index(None, "thread_id", "at"), UniqueConstraint("run_id", "seq"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.run_id", ondelete=RESTRICT))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(24))
    thread_id: Mapped[str] = mapped_column(String(128))
    node: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(16), index=True)
    message: Mapped[str] = mapped_column(Text)
    ticker: Mapped[str | None] = mapped_column(String(16))
    context: Mapped[dict[str, Any]] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
