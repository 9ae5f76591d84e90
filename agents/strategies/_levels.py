"""Entry, stop and target levels shared by every strategy."""

from __future__ import annotations

from domain import Direction, StrategySignal

__all__ = ["signal_with_levels"]


def signal_with_levels(
    *,
    strategy: str,
    ticker: str,
    direction: Direction,
    confidence: float,
    entry: float,
    risk_per_share: float,
    reward_per_share: float,
    rationale: str,
) -> StrategySignal | None:
    """Build a signal whose stop and target sit on the correct sides of the entry.

    Why ``None`` rather than a signal without levels: a short whose target would be at or below
    zero, or a degenerate zero-risk setup, is not a tradable setup.
    """
    if entry <= 0 or risk_per_share <= 0 or reward_per_share <= 0:
        return None
    if direction is Direction.BULLISH:
        stop, target = entry - risk_per_share, entry + reward_per_share
    elif direction is Direction.BEARISH:
        stop, target = entry + risk_per_share, entry - reward_per_share
    else:
        return None
    if stop <= 0 or target <= 0:
        return None
    return StrategySignal(
        strategy=strategy,
        ticker=ticker,
        direction=direction,
        confidence=round(min(max(confidence, 0.0), 1.0), 4),
        entry=round(entry, 4),
        stop=round(stop, 4),
        target=round(target, 4),
        rationale=rationale,
    )
