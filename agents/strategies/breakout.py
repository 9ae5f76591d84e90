"""Breakout: a close beyond the 20-day channel on heavy volume starts a new leg."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from agents.strategies._indicators import atr, valid_bars
from agents.strategies._levels import signal_with_levels
from domain import Bar, Direction, StrategySignal

__all__ = ["BreakoutStrategy"]


@dataclass(slots=True)
class BreakoutStrategy:
    """Donchian channel of the prior ``window`` sessions (today excluded), volume-confirmed."""

    name: str = "breakout"
    window: int = 20
    volume_ratio: float = 1.3
    stop_atr: float = 2.0

    def evaluate(self, ticker: str, bars: Sequence[Bar]) -> StrategySignal | None:
        if len(bars) < self.window + 15 or not valid_bars(bars):
            return None
        prior = bars[-self.window - 1 : -1]
        channel_high = max(bar.high for bar in prior)
        channel_low = min(bar.low for bar in prior)
        avg_volume = sum(bar.volume for bar in prior) / self.window
        range_ = atr(bars)
        last = bars[-1]
        if range_ is None or avg_volume <= 0:
            return None
        volume_ratio = last.volume / avg_volume
        if volume_ratio < self.volume_ratio:
            return None
        if last.close > channel_high:
            direction = Direction.BULLISH
        elif last.close < channel_low:
            direction = Direction.BEARISH
        else:
            return None
        width = channel_high - channel_low
        confidence = 0.5 + min((volume_ratio - self.volume_ratio) * 0.2, 0.3)
        return signal_with_levels(
            strategy=self.name,
            ticker=ticker,
            direction=direction,
            confidence=confidence,
            entry=last.close,
            risk_per_share=self.stop_atr * range_,
            reward_per_share=width if width > 0 else 2 * self.stop_atr * range_,
            rationale=(
                f"close {last.close:.2f} outside {self.window}-day channel "
                f"[{channel_low:.2f}, {channel_high:.2f}] on {volume_ratio:.1f}x volume"
            ),
        )
