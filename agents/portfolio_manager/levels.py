"""Protective stop-loss and take-profit for an entry: from the signal, else the risk defaults."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from config.settings import RiskParameters
from domain import Direction, StrategySignal, TradeAction

__all__ = ["protective_levels"]

CENT = Decimal("0.01")


def _dec(value: float) -> Decimal:
    return Decimal(str(value)).quantize(CENT)


def protective_levels(
    *,
    action: TradeAction,
    ticker: str,
    reference_price: Decimal,
    signals: Sequence[StrategySignal],
    risk: RiskParameters,
) -> tuple[Decimal | None, Decimal | None]:
    """(stop_loss, take_profit) for BUY or SHORT; ``(None, None)`` for anything else.

    The most confident same-direction signal wins when its stop and target sit on the right
    sides of the reference price; otherwise the configured percentages apply.
    """
    if action not in (TradeAction.BUY, TradeAction.SHORT):
        return None, None
    long = action is TradeAction.BUY
    wanted = Direction.BULLISH if long else Direction.BEARISH
    candidates = sorted(
        (s for s in signals if s.ticker == ticker and s.direction is wanted),
        key=lambda s: s.confidence,
        reverse=True,
    )
    for signal in candidates:
        if signal.stop is None or signal.target is None:
            continue
        stop, target = _dec(signal.stop), _dec(signal.target)
        if stop <= 0 or target <= 0:
            continue
        if (long and stop < reference_price < target) or (
            not long and target < reference_price < stop
        ):
            return stop, target
    stop_pct = Decimal(str(risk.stop_loss_pct))
    take_pct = Decimal(str(risk.take_profit_pct))
    if long:
        return (
            (reference_price * (1 - stop_pct)).quantize(CENT),
            (reference_price * (1 + take_pct)).quantize(CENT),
        )
    target = (reference_price * (1 - min(take_pct, Decimal("0.99")))).quantize(CENT)
    return (reference_price * (1 + stop_pct)).quantize(CENT), max(target, CENT)
