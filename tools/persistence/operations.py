"""Operator records the faces read: the watchlist and the equity curve (performance snapshots).

Why here: these outlive a run and must survive restarts; the API and the scheduler read them.
Every write takes its time from the caller (``at``), never the clock. Alerts live in
``alert_log`` and the risk baselines in ``risk_records``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select

from tools.persistence.errors import LedgerInputError
from tools.persistence.records import PerformanceSnapshot, WatchlistEntry, WatchlistStatus
from tools.persistence.schema_operations import PerformanceSnapshotRow, WatchlistRow
from tools.persistence.store import Store, dialect_insert

__all__ = ["PerformanceStore", "WatchlistStore"]


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
