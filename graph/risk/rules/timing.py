"""Time guards: expired decisions, market hours and per-symbol cooldowns (entries only)."""

from __future__ import annotations

from datetime import timedelta

from domain import ReasonCode
from graph.risk.check import Constraint, EntryCheck, veto
from graph.risk.market_hours import exchange_open_at

__all__ = ["decision_expired", "market_hours", "symbol_cooldown"]


def decision_expired(check: EntryCheck) -> Constraint | None:
    age = check.snapshot.now - check.intent.created_at
    ttl = timedelta(seconds=check.limits.decision_ttl_seconds)
    if age > ttl:
        return veto(
            ReasonCode.DECISION_EXPIRED,
            "the decision is older than its time to live",
            age_seconds=int(age.total_seconds()),
            ttl_seconds=check.limits.decision_ttl_seconds,
        )
    return None


def market_hours(check: EntryCheck) -> Constraint | None:
    """Under ``regular_hours`` entries wait for the open: broker clock first, else the calendar."""
    if check.limits.market_hours_policy == "any":
        return None
    is_open = check.snapshot.market_open
    source = "broker_clock"
    if is_open is None:
        is_open = exchange_open_at(check.snapshot.now)
        source = "exchange_calendar"
    if not is_open:
        return veto(
            ReasonCode.MARKET_CLOSED,
            "the market is closed",
            source=source,
            now=check.snapshot.now.isoformat(),
        )
    return None


def symbol_cooldown(check: EntryCheck) -> Constraint | None:
    last_exit = check.snapshot.risk_state.last_exit_at.get(check.intent.ticker)
    cooldown = check.limits.symbol_cooldown_seconds
    if last_exit is None or cooldown == 0:
        return None
    elapsed = check.snapshot.now - last_exit
    if elapsed < timedelta(seconds=cooldown):
        return veto(
            ReasonCode.SYMBOL_COOLDOWN,
            "the symbol was exited too recently",
            elapsed_seconds=int(elapsed.total_seconds()),
            cooldown_seconds=cooldown,
        )
    return None
