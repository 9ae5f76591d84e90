"""The deterministic core every analyst shares: named criteria scored in [-1, 1], then a verdict.

Why a scorecard: it makes "missing data" explicit. A criterion whose inputs are absent scores
``None`` and is listed as missing; it is never read as zero (neutral) or as bearish, and too few
scored criteria yield INSUFFICIENT_DATA instead of a direction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from domain import AnalystVerdict, VerdictSignal, VerdictSource

__all__ = ["Criterion", "Scorecard", "clip", "finite", "linear_score"]


def clip(value: float, low: float = -1.0, high: float = 1.0) -> float:
    if math.isnan(value):
        raise ValueError("clip: NaN has no score; treat it as missing before scoring")
    return max(low, min(high, value))


def finite(value: float | None) -> float | None:
    """``value`` when it is a real number; NaN and infinities from a provider count as missing."""
    return value if value is not None and math.isfinite(value) else None


def linear_score(value: float | None, *, bad: float, good: float) -> float | None:
    """Map ``value`` linearly so ``bad`` scores -1 and ``good`` scores +1 (either order)."""
    value = finite(value)
    if value is None or good == bad:
        return None
    return clip(-1.0 + 2.0 * (value - bad) / (good - bad))


@dataclass(frozen=True, slots=True)
class Criterion:
    """One named test of the thesis."""

    name: str
    score: float | None
    """In [-1, 1]; ``None`` when the inputs were missing."""
    detail: str = ""
    weight: float = 1.0


@dataclass(frozen=True, slots=True)
class Scorecard:
    """The criteria one analyst scored for one ticker, and how they turn into a verdict."""

    analyst: str
    ticker: str
    criteria: tuple[Criterion, ...]
    min_scored: int = 2
    """Fewer scored criteria than this is insufficient data."""
    bullish_at: float = 0.2
    """Weighted score at or above which the verdict is bullish (at or below minus it: bearish)."""

    @property
    def scored(self) -> tuple[Criterion, ...]:
        return tuple(c for c in self.criteria if c.score is not None and c.weight > 0)

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.criteria if c.score is None)

    @property
    def score(self) -> float | None:
        scored = self.scored
        if len(scored) < self.min_scored:
            return None
        total = sum(c.weight for c in scored)
        return clip(sum(c.weight * (c.score or 0.0) for c in scored) / total)

    @property
    def coverage(self) -> float:
        weights = sum(c.weight for c in self.criteria if c.weight > 0)
        return sum(c.weight for c in self.scored) / weights if weights else 0.0

    def describe(self) -> str:
        parts = [f"{c.name}={c.score:+.2f} ({c.detail})" for c in self.scored]
        if self.missing:
            parts.append("missing: " + ", ".join(self.missing))
        return "; ".join(parts)

    def verdict(self) -> AnalystVerdict:
        """The rules-only verdict, marked RULES."""
        score = self.score
        if score is None:
            return AnalystVerdict(
                analyst=self.analyst,
                ticker=self.ticker,
                signal=VerdictSignal.INSUFFICIENT_DATA,
                confidence=0.0,
                reasoning=(
                    f"only {len(self.scored)} of {len(self.criteria)} criteria had data "
                    f"(need {self.min_scored}); " + self.describe()
                ),
                source=VerdictSource.RULES,
            )
        if score >= self.bullish_at:
            signal = VerdictSignal.BULLISH
        elif score <= -self.bullish_at:
            signal = VerdictSignal.BEARISH
        else:
            signal = VerdictSignal.NEUTRAL
        if signal is VerdictSignal.NEUTRAL:
            confidence = 0.5 * (1.0 - abs(score) / self.bullish_at) * self.coverage
        else:
            confidence = min(1.0, 0.3 + 0.7 * abs(score)) * self.coverage
        return AnalystVerdict(
            analyst=self.analyst,
            ticker=self.ticker,
            signal=signal,
            confidence=round(clip(confidence, 0.0, 1.0), 4),
            reasoning=f"score {score:+.2f}: " + self.describe(),
            source=VerdictSource.RULES,
        )
