"""Operator records the faces read: the watchlist and the equity curve (performance snapshots).

Why here: these outlive a run and must survive restarts; the API and the scheduler read them.
Every write takes its time from the caller (``at``), never the clock. Alerts live in
``alert_log`` and the risk baselines in ``risk_records``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select

from config.tickers import TickerError, parse_ticker
from tools.persistence.errors import LedgerInputError, NotWatchedError
from tools.persistence.records import PerformanceSnapshot, WatchlistEntry, WatchlistStatus
from tools.persistence.schema_operations import ACTIVE_WATCH, PerformanceSnapshotRow, WatchlistRow
from tools.persistence.store import Store, dialect_insert

__all__ = ["PerformanceStore", "WatchlistStore"]


def _columns(row: Any, model: type[Any]) -> dict[str, Any]:
    return {name: getattr(row, name) for name in model.model_fields}


def _symbol(raw: str) -> str:
    """The project's one ticker rule (upper-cased), refused as the ledger's input error."""
    try:
        return parse_ticker(raw)
    except TickerError as exc:
        raise LedgerInputError(str(exc)) from None


class WatchlistStore:
    """The watchlist: what the operator asked to watch, at most one active entry per symbol."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def watched(self) -> list[WatchlistEntry]:
        """Every active entry (expired or not), highest priority first, then by symbol."""
        query = (
            select(WatchlistRow)
            .where(WatchlistRow.status == WatchlistStatus.ACTIVE.value)
            .order_by(WatchlistRow.priority.desc(), WatchlistRow.symbol)
        )
        with self.store.sessions() as session:
            return [
                WatchlistEntry.model_validate(_columns(r, WatchlistEntry))
                for r in session.scalars(query)
            ]

    def watch(self, symbol: str, *, note: str | None = None, at: datetime) -> WatchlistEntry:
        """Put ``symbol`` on the watchlist; a symbol already watched keeps its row.

        A ``note`` replaces the entry's note; ``None`` leaves it as it was. Why an upsert: two
        doors (the CLI and the API) adding the same symbol at once must leave one entry.
        """
        ticker = _symbol(symbol)
        values = {
            "symbol": ticker,
            "status": WatchlistStatus.ACTIVE.value,
            "priority": 0,
            "notes": note or "",
            "created_at": at,
            "updated_at": at,
        }
        changed = {"updated_at": at} | ({"notes": note} if note is not None else {})
        with self.store.write() as session:
            insert = dialect_insert(session)
            statement = insert(WatchlistRow).values(**values)
            entry_id = session.execute(
                statement.on_conflict_do_update(
                    index_elements=[WatchlistRow.symbol], index_where=ACTIVE_WATCH, set_=changed
                ).returning(WatchlistRow.id)
            ).scalar_one()
            row = session.get(WatchlistRow, entry_id, populate_existing=True)
            assert row is not None  # the statement above returned its id
            return WatchlistEntry.model_validate(_columns(row, WatchlistEntry))

    def unwatch(self, symbol: str, *, at: datetime) -> WatchlistEntry:
        """Take ``symbol`` off the watchlist (the row is kept as ``removed``, for the record).

        Raises:
            NotWatchedError: the symbol has no active entry.
        """
        ticker = _symbol(symbol)
        query = select(WatchlistRow).where(
            WatchlistRow.symbol == ticker, WatchlistRow.status == WatchlistStatus.ACTIVE.value
        )
        with self.store.write() as session:
            row = session.scalars(query.with_for_update()).first()
            if row is None:
                raise NotWatchedError(f"{ticker} is not on the watchlist")
            row.status, row.updated_at = WatchlistStatus.REMOVED.value, at
            session.flush()
            return WatchlistEntry.model_validate(_columns(row, WatchlistEntry))

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
