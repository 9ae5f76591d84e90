"""The strategy engine's roster, and the one call the strategy_engine node makes."""

from __future__ import annotations

from collections.abc import Sequence

from agents.strategies.base import Strategy
from agents.strategies.breakout import BreakoutStrategy
from agents.strategies.mean_reversion import MeanReversionStrategy
from agents.strategies.momentum import MomentumStrategy
from agents.strategies.trend_following import TrendFollowingStrategy
from domain import Bar, StrategySignal

__all__ = ["STRATEGIES", "run_strategies"]

STRATEGIES: tuple[Strategy, ...] = (
    MomentumStrategy(),
    MeanReversionStrategy(),
    TrendFollowingStrategy(),
    BreakoutStrategy(),
)


def run_strategies(ticker: str, bars: Sequence[Bar]) -> list[StrategySignal]:
    """Every strategy's signal for ``ticker`` (point-in-time bars, oldest first), in order."""
    signals = []
    for strategy in STRATEGIES:
        signal = strategy.evaluate(ticker, bars)
        if signal is not None:
            signals.append(signal)
    return signals
