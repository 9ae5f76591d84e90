"""Order-activity guards: one active entry per symbol, an order-rate throttle and PDT protection."""

from __future__ import annotations

from datetime import timedelta

from domain import ReasonCode
from graph.risk.check import Constraint, EntryCheck, dec, veto

__all__ = ["active_entry", "order_rate_throttle", "pattern_day_trader"]

_THROTTLE_WINDOW = timedelta(minutes=1)


def active_entry(check: EntryCheck) -> Constraint | None:
    """A second entry while one is still working would double the position the sizing allowed."""
    if check.intent.ticker in check.book.entry_symbols:
        return veto(ReasonCode.ACTIVE_ENTRY_EXISTS, "an entry order for the symbol is still active")
    return None


def order_rate_throttle(check: EntryCheck) -> Constraint | None:
    now = check.snapshot.now
    recent = sum(1 for t in check.book.entry_times if now - _THROTTLE_WINDOW < t <= now)
    if recent >= check.limits.max_orders_per_minute:
        return veto(
            ReasonCode.ORDER_RATE_THROTTLE,
            "too many entry orders in the last minute",
            recent=recent,
            limit=check.limits.max_orders_per_minute,
        )
    return None


def pattern_day_trader(check: EntryCheck) -> Constraint | None:
    """Under the PDT equity floor, stop entries once the day-trade budget is used up."""
    limits = check.limits
    trades = check.snapshot.risk_state.day_trade_count
    if check.equity < dec(limits.pdt_min_equity) and trades >= limits.pdt_max_day_trades:
        return veto(
            ReasonCode.PATTERN_DAY_TRADER,
            "another day trade would flag the account as a pattern day trader",
            day_trades=trades,
            limit=limits.pdt_max_day_trades,
            equity=check.equity,
        )
    return None
