"""Operator-facing records: watchlist, alerts, trading state, risk baselines, performance.

Why persisted: the kill switch, the daily-loss baseline and the drawdown high-water mark must
survive a restart (invariant 5); alerts must stay until someone acknowledges and resolves them.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from tools.persistence.schema import Base
from tools.persistence.types import Money, UtcDateTime

__all__ = [
    "ACTIVE_WATCH",
    "UNRESOLVED_ALERT",
    "AlertRow",
    "PerformanceSnapshotRow",
    "RiskBaselineRow",
    "TradingStateRow",
    "WatchlistRow",
]


ACTIVE_WATCH = text("status = 'active'")
"""The partial index's predicate: at most one active entry per symbol."""


class WatchlistRow(Base):
    """A symbol to watch, with the levels that would make it actionable.

    At most one active row per symbol (a partial unique index): adding a symbol that is already
    watched updates that row, atomically across processes, instead of listing it twice.
    """

    __tablename__ = "watchlist"
    __table_args__ = (
        Index(
            "uq_watchlist_active_symbol",
            "symbol",
            unique=True,
            sqlite_where=ACTIVE_WATCH,
            postgresql_where=ACTIVE_WATCH,
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    symbol: Mapped[str] = mapped_column(String(16), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    target_entry: Mapped[Decimal | None] = mapped_column(Money)
    stop_loss: Mapped[Decimal | None] = mapped_column(Money)
    take_profit: Mapped[Decimal | None] = mapped_column(Money)
    notes: Mapped[str] = mapped_column(Text, default="")
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


UNRESOLVED_ALERT = text("status != 'resolved'")
"""The partial index's predicate; an upsert names it to find the row it conflicts with."""


class AlertRow(Base):
    """An operator alert: open until acknowledged, kept until resolved.

    At most one unresolved row per ``dedupe_key`` (a partial unique index): a repeat of a
    condition nobody has resolved yet counts an occurrence on that row instead of adding one.
    """

    __tablename__ = "alerts"
    __table_args__ = (
        Index(
            "uq_alerts_unresolved_dedupe_key",
            "dedupe_key",
            unique=True,
            sqlite_where=UNRESOLVED_ALERT,
            postgresql_where=UNRESOLVED_ALERT,
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    severity: Mapped[str] = mapped_column(String(16), index=True)
    title: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text)
    dedupe_key: Mapped[str] = mapped_column(String(256))
    context: Mapped[dict[str, Any]] = mapped_column(JSON)
    thread_id: Mapped[str | None] = mapped_column(String(128), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    occurrences: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    deliveries: Mapped[dict[str, Any]] = mapped_column(JSON)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    acknowledged_by: Mapped[str | None] = mapped_column(String(64))
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(64))


class TradingStateRow(Base):
    """The single trading-state row (id = 1): ACTIVE / REDUCING / HALTED and why."""

    __tablename__ = "trading_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    changed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class RiskBaselineRow(Base):
    """Per-session risk baselines: start-of-session equity and the running high-water mark."""

    __tablename__ = "risk_baselines"

    session_date: Mapped[date] = mapped_column(Date, primary_key=True)
    start_equity: Mapped[Decimal] = mapped_column(Money)
    high_water_mark: Mapped[Decimal] = mapped_column(Money)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PerformanceSnapshotRow(Base):
    """Equity curve point: what the account was worth and how exposed it was at ``as_of``."""

    __tablename__ = "performance_snapshots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    as_of: Mapped[datetime] = mapped_column(UtcDateTime, unique=True)
    equity: Mapped[Decimal] = mapped_column(Money)
    cash: Mapped[Decimal] = mapped_column(Money)
    gross_exposure: Mapped[Decimal] = mapped_column(Money)
    net_exposure: Mapped[Decimal] = mapped_column(Money)
    realized_pnl: Mapped[Decimal] = mapped_column(Money)
    drawdown_pct: Mapped[float]
