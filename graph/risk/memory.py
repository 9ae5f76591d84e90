"""The gate's persisted memory: session baseline, high-water mark, recent entries and exits.

Why persisted: a restart must not reset the daily-loss baseline to the (already lower) equity, nor
forget the high-water mark, nor forget that a symbol was just stopped out. Everything here is read
from the application store (``risk_baselines``, ``order_intents``, ``orders``), so the same numbers
come back after a crash.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from graph.risk.snapshot import AccountRiskState
from tools.persistence.schema import OrderIntentRow, OrderRow
from tools.persistence.schema_operations import RiskBaselineRow
from tools.persistence.store import Store, dialect_insert

__all__ = ["RiskMemory", "session_date"]

_NEW_YORK = ZoneInfo("America/New_York")
_RECENT = timedelta(minutes=5)


def session_date(at: datetime) -> date:
    """The trading session a moment belongs to: its New York calendar date."""
    return at.astimezone(_NEW_YORK).date()


class RiskMemory:
    """Reads and advances the persisted risk baselines in the application store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def observe_equity(self, equity: Decimal, now: datetime) -> tuple[Decimal, Decimal]:
        """Record ``equity`` for the session of ``now``; returns (session baseline, high-water).

        The first observation of a session fixes its baseline; the high-water mark only rises and
        carries over from earlier sessions.
        """
        day = session_date(now)
        with self._store.sessions.begin() as session:
            row = session.get(RiskBaselineRow, day)
            if row is None:
                prior = session.scalar(select(func.max(RiskBaselineRow.session_date)))
                prior_hwm = (
                    session.get(RiskBaselineRow, prior).high_water_mark  # type: ignore[union-attr]
                    if prior is not None
                    else equity
                )
                insert = dialect_insert(session)
                session.execute(
                    insert(RiskBaselineRow)
                    .values(
                        session_date=day,
                        start_equity=equity,
                        high_water_mark=max(prior_hwm, equity),
                        updated_at=now,
                    )
                    .on_conflict_do_nothing()
                )
                row = session.get(RiskBaselineRow, day)
                assert row is not None
            elif equity > row.high_water_mark:
                row.high_water_mark = equity
                row.updated_at = now
            return row.start_equity, row.high_water_mark

    def current(self, now: datetime) -> tuple[Decimal | None, Decimal | None]:
        """(session baseline, high-water mark) as stored, without recording anything."""
        with self._store.sessions() as session:
            row = session.get(RiskBaselineRow, session_date(now))
            if row is not None:
                return row.start_equity, row.high_water_mark
            latest = session.scalar(
                select(RiskBaselineRow).order_by(RiskBaselineRow.session_date.desc()).limit(1)
            )
            return None, latest.high_water_mark if latest is not None else None

    def account_state(
        self, *, equity: Decimal, now: datetime, day_trade_count: int = 0, cooldown_seconds: int
    ) -> AccountRiskState:
        """Everything the gate's account and activity rules read, as of ``now``."""
        baseline, hwm = self.observe_equity(equity, now)
        since = now - max(timedelta(seconds=cooldown_seconds), _RECENT)
        with self._store.sessions() as session:
            rows = session.execute(
                select(OrderRow.ticker, OrderRow.submitted_at, OrderIntentRow.reduces_position)
                .join(OrderIntentRow, OrderIntentRow.client_order_id == OrderRow.client_order_id)
                .where(OrderRow.submitted_at >= since, OrderRow.filled_qty > 0)
            ).all()
            entries = session.scalars(
                select(OrderRow.submitted_at)
                .join(OrderIntentRow, OrderIntentRow.client_order_id == OrderRow.client_order_id)
                .where(OrderRow.submitted_at >= now - _RECENT, ~OrderIntentRow.reduces_position)
            ).all()
        last_exit: dict[str, datetime] = {}
        for ticker, at, reduces in rows:
            if reduces and (ticker not in last_exit or at > last_exit[ticker]):
                last_exit[ticker] = at
        return AccountRiskState(
            session_baseline_equity=baseline,
            high_water_mark=hwm,
            day_trade_count=day_trade_count,
            last_exit_at=last_exit,
            recent_order_times=tuple(sorted(entries)),
        )
