"""The gate's persisted memory: session baseline, high-water mark, recent entries and exits.

Why persisted: a restart must not reset the daily-loss baseline to the (already lower) equity, nor
forget the high-water mark, nor forget that a symbol was just stopped out. Everything here is asked
of the ledger (its protocol owns the tables), so the same numbers come back after a crash. This
module only decides which session a moment belongs to and how far back "recent" reaches.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from domain import PortfolioSnapshot
from graph.risk.snapshot import AccountRiskState
from tools.persistence.ledger import Ledger
from tools.persistence.records import PerformanceSnapshot

__all__ = ["RiskMemory", "session_date"]

_NEW_YORK = ZoneInfo("America/New_York")
_RECENT = timedelta(minutes=5)


def session_date(at: datetime) -> date:
    """The trading session a moment belongs to: its New York calendar date."""
    return at.astimezone(_NEW_YORK).date()


class RiskMemory:
    """Reads and advances the persisted risk baselines through the ledger."""

    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger

    def observe_equity(self, equity: Decimal, now: datetime) -> tuple[Decimal, Decimal]:
        """Record ``equity`` for the session of ``now``; returns (session baseline, high-water).

        The first observation of a session fixes its baseline; the high-water mark only rises and
        carries over from earlier sessions.
        """
        baseline = self._ledger.observe_equity(session_date(now), equity, at=now)
        return baseline.start_equity, baseline.high_water_mark

    def observe_account(
        self, portfolio: PortfolioSnapshot, now: datetime
    ) -> tuple[Decimal, Decimal]:
        """``observe_equity`` for the whole account, which also adds a point to the equity curve.

        Why here: the gate and the monitor already read the account at these moments; storing
        the same numbers makes the equity curve agree with what the limits were checked against.
        """
        baseline, hwm = self.observe_equity(portfolio.equity, now)
        drawdown = 1 - portfolio.equity / hwm if hwm > 0 else Decimal(0)
        self._ledger.record_performance(
            PerformanceSnapshot(
                as_of=now,
                equity=portfolio.equity,
                cash=portfolio.cash,
                gross_exposure=portfolio.gross_exposure,
                net_exposure=portfolio.net_exposure,
                drawdown_pct=float(max(drawdown, Decimal(0))),
            )
        )
        return baseline, hwm

    def current(self, now: datetime) -> tuple[Decimal | None, Decimal | None]:
        """(session baseline, high-water mark) as stored, without recording anything."""
        day = session_date(now)
        baseline = self._ledger.risk_baseline(day)
        if baseline is not None:
            return baseline.start_equity, baseline.high_water_mark
        return None, self._ledger.high_water_mark(through=day)

    def account_state(
        self,
        *,
        portfolio: PortfolioSnapshot,
        now: datetime,
        day_trade_count: int = 0,
        cooldown_seconds: int,
    ) -> AccountRiskState:
        """Everything the gate's account and activity rules read, as of ``now``."""
        baseline, hwm = self.observe_account(portfolio, now)
        since = now - max(timedelta(seconds=cooldown_seconds), _RECENT)
        return AccountRiskState(
            session_baseline_equity=baseline,
            high_water_mark=hwm,
            day_trade_count=day_trade_count,
            last_exit_at=self._ledger.last_exits(since=since),
            recent_order_times=tuple(sorted(self._ledger.entry_order_times(since=now - _RECENT))),
        )
