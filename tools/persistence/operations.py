"""Operator records: watchlist, alerts, risk baselines and performance snapshots.

Why here: these outlive a run and must survive restarts; the API, the scheduler and the risk gate's
snapshot builder read them. Every write takes its time from the caller (``at``), never the clock.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select

from tools.persistence.errors import LedgerInputError
from tools.persistence.records import (
    Alert,
    AlertStatus,
    PerformanceSnapshot,
    RiskBaseline,
    WatchlistEntry,
    WatchlistStatus,
)
from tools.persistence.schema_operations import (
    AlertRow,
    PerformanceSnapshotRow,
    RiskBaselineRow,
    WatchlistRow,
)
from tools.persistence.store import Store, dialect_insert

__all__ = ["AlertStore", "PerformanceStore", "RiskBaselineStore", "WatchlistStore"]


def _columns(row: Any, model: type[Any]) -> dict[str, Any]:
    return {name: getattr(row, name) for name in model.model_fields}


class WatchlistStore:
    def __init__(self, store: Store) -> None:
        self.store = store

    def add(self, entry: WatchlistEntry) -> WatchlistEntry:
        values = entry.model_dump(exclude={"id"}) | {"status": entry.status.value}
        with self.store.write() as session:
            row = WatchlistRow(**values)
            session.add(row)
            session.flush()
            return WatchlistEntry.model_validate(_columns(row, WatchlistEntry))

    def set_status(self, entry_id: int, status: WatchlistStatus, *, at: datetime) -> None:
        with self.store.write() as session:
            row = session.get(WatchlistRow, entry_id)
            if row is None:
                raise LedgerInputError(f"watchlist entry {entry_id} does not exist")
            row.status, row.updated_at = status.value, at

    def active(self, *, at: datetime) -> list[WatchlistEntry]:
        """Active entries not expired at ``at``, highest priority first."""
        query = (
            select(WatchlistRow)
            .where(WatchlistRow.status == WatchlistStatus.ACTIVE.value)
            .where(or_(WatchlistRow.expires_at.is_(None), WatchlistRow.expires_at > at))
            .order_by(WatchlistRow.priority.desc(), WatchlistRow.symbol)
        )
        with self.store.sessions() as session:
            return [
                WatchlistEntry.model_validate(_columns(r, WatchlistEntry))
                for r in session.scalars(query)
            ]


class AlertStore:
    def __init__(self, store: Store) -> None:
        self.store = store

    def raise_alert(self, alert: Alert) -> Alert:
        values = alert.model_dump(exclude={"id"}) | {"status": AlertStatus.OPEN.value}
        with self.store.write() as session:
            row = AlertRow(**values)
            session.add(row)
            session.flush()
            return Alert.model_validate(_columns(row, Alert))

    def acknowledge(self, alert_id: int, *, by: str, at: datetime) -> Alert:
        with self.store.write() as session:
            row = self._row(session, alert_id)
            if row.status == AlertStatus.OPEN.value:
                row.status, row.acknowledged_at, row.acknowledged_by = (
                    AlertStatus.ACKNOWLEDGED.value,
                    at,
                    by,
                )
            return Alert.model_validate(_columns(row, Alert))

    def resolve(self, alert_id: int, *, by: str, at: datetime) -> Alert:
        with self.store.write() as session:
            row = self._row(session, alert_id)
            if row.status != AlertStatus.RESOLVED.value:
                if row.acknowledged_at is None:
                    row.acknowledged_at, row.acknowledged_by = at, by
                row.status, row.resolved_at, row.resolved_by = AlertStatus.RESOLVED.value, at, by
            return Alert.model_validate(_columns(row, Alert))

    def unresolved(self) -> list[Alert]:
        query = (
            select(AlertRow)
            .where(AlertRow.status != AlertStatus.RESOLVED.value)
            .order_by(AlertRow.created_at.desc(), AlertRow.id.desc())
        )
        with self.store.sessions() as session:
            return [Alert.model_validate(_columns(r, Alert)) for r in session.scalars(query)]

    @staticmethod
    def _row(session: Any, alert_id: int) -> AlertRow:
        row: AlertRow | None = session.get(AlertRow, alert_id)
        if row is None:
            raise LedgerInputError(f"alert {alert_id} does not exist")
        return row


class RiskBaselineStore:
    """Start-of-session equity and the high-water mark, persisted for the daily-loss and
    drawdown limits (invariant 5)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, session_date: date) -> RiskBaseline | None:
        with self.store.sessions() as session:
            row = session.get(RiskBaselineRow, session_date)
            return RiskBaseline.model_validate(_columns(row, RiskBaseline)) if row else None

    def open_session(self, session_date: date, equity: Decimal, *, at: datetime) -> RiskBaseline:
        """Fix the session's start equity the first time it is seen; later calls keep it.

        The high-water mark carries over from the latest earlier session.
        """
        with self.store.write() as session:
            previous = session.scalars(
                select(RiskBaselineRow)
                .where(RiskBaselineRow.session_date < session_date)
                .order_by(RiskBaselineRow.session_date.desc())
                .limit(1)
            ).first()
            mark = max(equity, previous.high_water_mark) if previous else equity
            insert = dialect_insert(session)
            session.execute(
                insert(RiskBaselineRow)
                .values(
                    session_date=session_date,
                    start_equity=equity,
                    high_water_mark=mark,
                    updated_at=at,
                )
                .on_conflict_do_nothing()
            )
        baseline = self.get(session_date)
        assert baseline is not None
        return baseline

    def mark_equity(self, session_date: date, equity: Decimal, *, at: datetime) -> RiskBaseline:
        """Raise the high-water mark if ``equity`` is a new high (it never goes down)."""
        with self.store.write() as session:
            row = session.get(RiskBaselineRow, session_date, with_for_update=True)
            if row is None:
                raise LedgerInputError(f"session {session_date} was never opened")
            if equity > row.high_water_mark:
                row.high_water_mark, row.updated_at = equity, at
            return RiskBaseline.model_validate(_columns(row, RiskBaseline))


class PerformanceStore:
    def __init__(self, store: Store) -> None:
        self.store = store

    def record(self, snapshot: PerformanceSnapshot) -> bool:
        """Store one equity-curve point; a second point at the same instant returns False."""
        with self.store.write() as session:
            insert = dialect_insert(session)
            inserted = session.execute(
                insert(PerformanceSnapshotRow)
                .values(**snapshot.model_dump())
                .on_conflict_do_nothing()
                .returning(PerformanceSnapshotRow.id)
            ).first()
            return inserted is not None

    def between(self, start: datetime, end: datetime) -> list[PerformanceSnapshot]:
        query = (
            select(PerformanceSnapshotRow)
            .where(PerformanceSnapshotRow.as_of >= start, PerformanceSnapshotRow.as_of <= end)
            .order_by(PerformanceSnapshotRow.as_of)
        )
        with self.store.sessions() as session:
            return [
                PerformanceSnapshot.model_validate(_columns(r, PerformanceSnapshot))
                for r in session.scalars(query)
            ]
