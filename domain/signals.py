"""Strategy-engine output: deterministic signals that turn the universe into candidates."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from domain._base import DomainModel

__all__ = ["Direction", "StrategySignal"]


class Direction(StrEnum):
    """Directional view shared by strategy signals and analyst verdicts."""

    BULLISH = "bullish"
    BEARISH = "bearish"
    NEUTRAL = "neutral"


class StrategySignal(DomainModel):
    """One strategy's view of one ticker, with the levels a trade would use."""

    strategy: str
    ticker: str
    direction: Direction
    confidence: float = Field(ge=0.0, le=1.0)
    entry: float | None = Field(default=None, gt=0)
    stop: float | None = Field(default=None, gt=0)
    target: float | None = Field(default=None, gt=0)
    rationale: str = ""
