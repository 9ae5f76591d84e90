"""Research validation results (Mazo or the native research subgraph)."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field

from domain._base import DomainModel

__all__ = ["ResearchFinding", "ResearchStance"]


class ResearchStance(StrEnum):
    AGREES = "agrees"
    DISAGREES = "disagrees"
    UNAVAILABLE = "unavailable"
    """Research could not be done (service down, timeout, no data); the policy decides.

    The default policy is fail-closed: no new entry.
    """


class ResearchFinding(DomainModel):
    ticker: str
    stance: ResearchStance
    summary: str = ""
    sources: tuple[str, ...] = ()
    confidence: float = Field(default=0.0, ge=0.0, le=1.0)
    reason: str = ""
    """Why the stance was reached (for ``unavailable``: what failed)."""
    outlook: Literal["bullish", "bearish", "neutral"] | None = Field(
        default=None, exclude_if=lambda v: v is None
    )
    """The research answer's own stance on the ticker (``None``: no research answer behind it)."""
    key_points: tuple[str, ...] = Field(default=(), exclude_if=lambda v: not v)
    """The answer's key points (every number in them came from a tool output)."""
    risks: tuple[str, ...] = Field(default=(), exclude_if=lambda v: not v)
    """The risks the answer names (these three are left out of a dump when empty: findings
    without a research answer dump as they always did)."""
