"""Entry rules, one module per family; each returns an upper bound on the opening quantity."""

from __future__ import annotations

from collections.abc import Callable

from graph.risk.check import Constraint, EntryCheck
from graph.risk.rules.account import (
    daily_loss_limit,
    max_drawdown,
    non_positive_equity,
    trading_state,
)
from graph.risk.rules.activity import active_entry, order_rate_throttle, pattern_day_trader
from graph.risk.rules.data import asset_tradable, price_sanity, stale_data
from graph.risk.rules.monitor import monitor_stale
from graph.risk.rules.sizing import (
    buying_power,
    cash_reserve,
    gross_exposure,
    max_open_positions,
    net_exposure,
    order_notional,
    position_size,
    sector_exposure,
)
from graph.risk.rules.timing import decision_expired, market_hours, symbol_cooldown

__all__ = ["ENTRY_RULES", "EntryRule"]

EntryRule = Callable[[EntryCheck], Constraint | None]

ENTRY_RULES: tuple[EntryRule, ...] = (
    trading_state,
    non_positive_equity,
    daily_loss_limit,
    max_drawdown,
    decision_expired,
    market_hours,
    monitor_stale,
    symbol_cooldown,
    stale_data,
    price_sanity,
    asset_tradable,
    active_entry,
    order_rate_throttle,
    pattern_day_trader,
    order_notional,
    position_size,
    sector_exposure,
    cash_reserve,
    buying_power,
    gross_exposure,
    net_exposure,
    max_open_positions,
)
"""Every rule an opening quantity must pass. Exits (closing quantities) pass none of them."""
