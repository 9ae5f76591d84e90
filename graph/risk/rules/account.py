"""Account-level guards: trading state, equity, daily loss and drawdown (entries only)."""

from __future__ import annotations

from domain import ReasonCode, TradingStatus
from graph.risk.check import Constraint, EntryCheck, dec, veto

__all__ = ["daily_loss_limit", "max_drawdown", "non_positive_equity", "trading_state"]


def trading_state(check: EntryCheck) -> Constraint | None:
    """HALTED and REDUCING both refuse new exposure; only exits pass."""
    state = check.snapshot.trading_state
    if state.status is TradingStatus.HALTED:
        return veto(ReasonCode.TRADING_HALTED, "trading is halted", reason=state.reason)
    if state.status is TradingStatus.REDUCING:
        return veto(ReasonCode.TRADING_REDUCING, "trading is reducing only", reason=state.reason)
    return None


def non_positive_equity(check: EntryCheck) -> Constraint | None:
    if check.equity <= 0:
        return veto(
            ReasonCode.NON_POSITIVE_EQUITY, "account equity is not positive", equity=check.equity
        )
    return None


def daily_loss_limit(check: EntryCheck) -> Constraint | None:
    """Equity at or below baseline * (1 - max_daily_loss_pct) stops entries for the session."""
    baseline = check.snapshot.risk_state.session_baseline_equity
    if baseline is None or baseline <= 0:
        return None
    floor = baseline * (1 - dec(check.limits.max_daily_loss_pct))
    if check.equity <= floor:
        return veto(
            ReasonCode.DAILY_LOSS_LIMIT,
            "daily loss limit reached",
            equity=check.equity,
            baseline=baseline,
            floor=floor,
        )
    return None


def max_drawdown(check: EntryCheck) -> Constraint | None:
    """Equity at or below high_water_mark * (1 - max_drawdown_pct) stops entries."""
    hwm = check.snapshot.risk_state.high_water_mark
    if hwm is None or hwm <= 0:
        return None
    floor = hwm * (1 - dec(check.limits.max_drawdown_pct))
    if check.equity <= floor:
        return veto(
            ReasonCode.MAX_DRAWDOWN,
            "drawdown from the high-water mark reached the limit",
            equity=check.equity,
            high_water_mark=hwm,
            floor=floor,
        )
    return None
