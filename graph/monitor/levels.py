"""Stop-loss and take-profit levels per position, and which positions crossed them (pure).

Why pure: the decision "this position must go" is a table of cases (long/short, stop/target,
explicit/default levels) that tests must be able to enumerate without a broker or a database.
"""

from __future__ import annotations

from decimal import Decimal

from config.settings import RiskParameters
from domain import ExitReason, ExitSignal, Position, ProtectiveLevels, closing_side

__all__ = [
    "default_levels",
    "effective_levels",
    "position_exits",
]


def default_levels(position: Position, limits: RiskParameters) -> ProtectiveLevels:
    """stop_loss_pct / take_profit_pct around the entry price, mirrored for a short."""
    entry = position.avg_entry_price
    stop = Decimal(str(limits.stop_loss_pct))
    target = Decimal(str(limits.take_profit_pct))
    if position.qty > 0:
        return ProtectiveLevels(entry * (1 - stop), entry * (1 + target))
    return ProtectiveLevels(entry * (1 + stop), entry * (1 - target))


def effective_levels(
    position: Position, given: ProtectiveLevels | None, limits: RiskParameters
) -> ProtectiveLevels:
    """Explicit levels where the entry set them, the default percentages elsewhere."""
    fallback = default_levels(position, limits)
    given = given or ProtectiveLevels(None, None)
    return ProtectiveLevels(
        given.stop_loss if given.stop_loss is not None else fallback.stop_loss,
        given.take_profit if given.take_profit is not None else fallback.take_profit,
    )


def _crossed(position: Position, price: Decimal, levels: ProtectiveLevels) -> ExitSignal | None:
    long = position.qty > 0
    side = closing_side(position.qty)
    qty = abs(position.qty)
    stop, target = levels.stop_loss, levels.take_profit
    if stop is not None and (price <= stop if long else price >= stop):
        return ExitSignal(position.symbol, side, qty, ExitReason.STOP_LOSS, price, stop)
    if target is not None and (price >= target if long else price <= target):
        return ExitSignal(position.symbol, side, qty, ExitReason.TAKE_PROFIT, price, target)
    return None


def position_exits(
    positions: dict[str, Position],
    levels: dict[str, ProtectiveLevels],
    limits: RiskParameters,
) -> list[ExitSignal]:
    """Positions whose market price crossed their stop (checked first) or target.

    Explicit levels (from the entry decision) win; a missing side falls back to the default
    percentage. Positions without a market price are skipped: the monitor reports them instead.
    """
    out = []
    for symbol in sorted(positions):
        position = positions[symbol]
        if position.qty == 0 or position.market_price is None:
            continue
        chosen = effective_levels(position, levels.get(symbol), limits)
        signal = _crossed(position, position.market_price, chosen)
        if signal is not None:
            out.append(signal)
    return out
