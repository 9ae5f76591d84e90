"""Research validation results (Mazo or the native research subgraph)."""

from __future__ import annotations

from enum import StrEnum

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
