"""The one owner of ``risk_baselines``: start-of-session equity and the high-water mark.

Why persisted (invariant 5): a restart must not reset the daily-loss baseline to the (already
lower) equity, nor forget the drawdown high-water mark. The caller names the session (its
exchange date); this store only keeps the numbers and their rules: the first observation of a
session fixes its start equity, the high-water mark only rises and carries over from the latest
earlier session.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select

from tools.persistence.records import RiskBaseline
from tools.persistence.schema_operations import RiskBaselineRow
from tools.persistence.store import Store, dialect_insert

__all__ = ["RiskBaselineStore"]


def _baseline(row: RiskBaselineRow) -> RiskBaseline:
    return RiskBaseline(
        session_date=row.session_date,
        start_equity=row.start_equity,
        high_water_mark=row.high_water_mark,
        updated_at=row.updated_at,
    )


class RiskBaselineStore:
    def __init__(self, store: Store) -> None:
        self.store = store

    def observe_equity(self, session_date: date, equity: Decimal, *, at: datetime) -> RiskBaseline:
        """Record ``equity`` seen during ``session_date``; return the session's baseline.

        Concurrent observers agree: the insert of a new session is ON CONFLICT DO NOTHING (the
        first one fixes the start equity) and the high-water mark is raised under a row lock.
        """
        with self.store.write() as session:
            previous = session.scalars(
                select(RiskBaselineRow.high_water_mark)
                .where(RiskBaselineRow.session_date < session_date)
                .order_by(RiskBaselineRow.session_date.desc())
                .limit(1)
            ).first()
            insert = dialect_insert(session)
            session.execute(
                insert(RiskBaselineRow)
                .values(
                    session_date=session_date,
                    start_equity=equity,
                    high_water_mark=max(equity, previous) if previous is not None else equity,
                    updated_at=at,
                )
                .on_conflict_do_nothing()
            )
            row = session.get(RiskBaselineRow, session_date, with_for_update=True)
            assert row is not None
            if equity > row.high_water_mark:
                row.high_water_mark, row.updated_at = equity, at
            return _baseline(row)

    def baseline(self, session_date: date) -> RiskBaseline | None:
        """The session's stored baseline, without recording anything."""
        with self.store.sessions() as session:
            row = session.get(RiskBaselineRow, session_date)
            return _baseline(row) if row is not None else None

    def high_water_mark(self, *, through: date) -> Decimal | None:
        """The high-water mark as of the latest session up to ``through`` (None: never seen)."""
        with self.store.sessions() as session:
            return session.scalars(
                select(RiskBaselineRow.high_water_mark)
                .where(RiskBaselineRow.session_date <= through)
                .order_by(RiskBaselineRow.session_date.desc())
                .limit(1)
            ).first()
