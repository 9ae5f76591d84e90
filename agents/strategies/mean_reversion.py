"""Mean reversion: a sharp, oversold drop below the 20-day mean tends to snap back toward it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from agents.strategies._indicators import atr, closes, rsi, sma, valid_bars, zscore
from agents.strategies._levels import signal_with_levels
from domain import Bar, Direction, StrategySignal

__all__ = ["MeanReversionStrategy"]


@dataclass(slots=True)
class MeanReversionStrategy:
    """Bollinger z-score beyond ``z_entry`` confirmed by RSI; the target is the mean itself."""

    name: str = "mean_reversion"
    window: int = 20
    z_entry: float = 1.5
    rsi_oversold: float = 35.0
    rsi_overbought: float = 65.0
    stop_atr: float = 1.5

    def evaluate(self, ticker: str, bars: Sequence[Bar]) -> StrategySignal | None:
        if len(bars) < self.window + 15 or not valid_bars(bars):
            return None
        prices = closes(bars)
        z = zscore(prices, self.window)
        strength = rsi(prices)
        mean = sma(prices, self.window)
        range_ = atr(bars)
        if z is None or strength is None or mean is None or range_ is None:
            return None
        last = prices[-1]
        if z <= -self.z_entry and strength <= self.rsi_oversold:
            direction = Direction.BULLISH
        elif z >= self.z_entry and strength >= self.rsi_overbought:
            direction = Direction.BEARISH
        else:
            return None
        confidence = 0.45 + min((abs(z) - self.z_entry) * 0.2, 0.3) + abs(strength - 50) / 250
        return signal_with_levels(
            strategy=self.name,
            ticker=ticker,
            direction=direction,
            confidence=confidence,
            entry=last,
            risk_per_share=self.stop_atr * range_,
            reward_per_share=abs(mean - last),
            rationale=f"z-score {z:+.2f} vs {self.window}-day mean {mean:.2f}, RSI {strength:.0f}",
        )
