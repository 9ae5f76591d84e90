"""Momentum: a stock that has risen over three months and the last month tends to keep rising."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from agents.strategies._indicators import atr, closes, rate_of_change, sma, valid_bars
from agents.strategies._levels import signal_with_levels
from domain import Bar, Direction, StrategySignal

__all__ = ["MomentumStrategy"]


@dataclass(slots=True)
class MomentumStrategy:
    """Twelve-week rate of change confirmed by the four-week one and the 50-day average."""

    name: str = "momentum"
    long_lookback: int = 63
    short_lookback: int = 21
    min_move: float = 0.05
    """The long rate of change must exceed this fraction to count as momentum."""
    stop_atr: float = 2.0
    target_atr: float = 4.0

    def evaluate(self, ticker: str, bars: Sequence[Bar]) -> StrategySignal | None:
        if len(bars) < max(self.long_lookback + 1, 50) or not valid_bars(bars):
            return None
        prices = closes(bars)
        roc_long = rate_of_change(prices, self.long_lookback)
        roc_short = rate_of_change(prices, self.short_lookback)
        trend = sma(prices, 50)
        range_ = atr(bars)
        if roc_long is None or roc_short is None or trend is None or range_ is None:
            return None
        last = prices[-1]
        if roc_long > self.min_move and roc_short > 0 and last > trend:
            direction = Direction.BULLISH
        elif roc_long < -self.min_move and roc_short < 0 and last < trend:
            direction = Direction.BEARISH
        else:
            return None
        confidence = 0.5 + min(abs(roc_long), 0.4) + min(abs(roc_short), 0.1)
        return signal_with_levels(
            strategy=self.name,
            ticker=ticker,
            direction=direction,
            confidence=confidence,
            entry=last,
            risk_per_share=self.stop_atr * range_,
            reward_per_share=self.target_atr * range_,
            rationale=(
                f"{self.long_lookback}-day return {roc_long:+.1%}, {self.short_lookback}-day "
                f"{roc_short:+.1%}, close {last:.2f} vs 50-day average {trend:.2f}"
            ),
        )
