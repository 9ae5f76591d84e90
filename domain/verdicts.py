"""Analyst verdicts. "No signal" and "insufficient data" are first-class, never a hidden hold."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from domain._base import DomainModel

__all__ = ["AnalystVerdict", "VerdictSignal", "VerdictSource"]


class VerdictSignal(StrEnum):
    BULLISH = "bullish"
    BEARISH = "bearish"
    NEUTRAL = "neutral"
    INSUFFICIENT_DATA = "insufficient_data"
    """The data needed was missing; carries no direction."""
    NO_SIGNAL = "no_signal"
    """The analyst failed (LLM timeout, provider error, budget, bad answer); no direction."""

    @property
    def is_directional(self) -> bool:
        return self in (VerdictSignal.BULLISH, VerdictSignal.BEARISH, VerdictSignal.NEUTRAL)


class VerdictSource(StrEnum):
    RULES = "rules"
    """The analyst's deterministic core alone (no LLM configured, or the LLM was not used)."""
    LLM = "llm"


class AnalystVerdict(DomainModel):
    analyst: str
    ticker: str
    signal: VerdictSignal
    confidence: float = Field(ge=0.0, le=1.0)
    reasoning: str = ""
    source: VerdictSource = VerdictSource.RULES
    failure_reason: str | None = None
    """Set when ``signal`` is NO_SIGNAL: what failed, for the operator."""
