"""Trend following: ride a stock whose 50-day average is above a rising 200-day average."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from agents.strategies._indicators import atr, closes, sma, valid_bars
from agents.strategies._levels import signal_with_levels
from domain import Bar, Direction, StrategySignal

__all__ = ["TrendFollowingStrategy"]


@dataclass(slots=True)
class TrendFollowingStrategy:
    """Golden / death cross regime, with price on the right side of the fast average."""

    name: str = "trend_following"
    fast: int = 50
    slow: int = 200
    slope_lookback: int = 20
    stop_atr: float = 3.0
    target_atr: float = 6.0

    def evaluate(self, ticker: str, bars: Sequence[Bar]) -> StrategySignal | None:
        if len(bars) < self.slow + self.slope_lookback or not valid_bars(bars):
            return None
        prices = closes(bars)
        fast = sma(prices, self.fast)
        slow = sma(prices, self.slow)
        slow_before = sma(prices[: -self.slope_lookback], self.slow)
        range_ = atr(bars)
        if fast is None or slow is None or slow_before is None or range_ is None:
            return None
        last = prices[-1]
        slope = slow / slow_before - 1.0
        if fast > slow and slope > 0 and last > fast:
            direction = Direction.BULLISH
        elif fast < slow and slope < 0 and last < fast:
            direction = Direction.BEARISH
        else:
            return None
        spread = abs(fast / slow - 1.0)
        confidence = 0.5 + min(spread * 2, 0.3) + min(abs(slope) * 2, 0.15)
        return signal_with_levels(
            strategy=self.name,
            ticker=ticker,
            direction=direction,
            confidence=confidence,
            entry=last,
            risk_per_share=self.stop_atr * range_,
            reward_per_share=self.target_atr * range_,
            rationale=(
                f"{self.fast}-day average {fast:.2f} vs {self.slow}-day {slow:.2f} "
                f"(slope {slope:+.2%} over {self.slope_lookback} days)"
            ),
        )
