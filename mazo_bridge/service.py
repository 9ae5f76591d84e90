"""The research interface the ``research_validation`` node calls."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from domain import MarketSnapshot, ResearchFinding, StrategySignal

__all__ = ["ResearchService", "ResearchUnavailableError"]


class ResearchUnavailableError(Exception):
    """Research could not be performed; the node records UNAVAILABLE and the policy decides."""


@runtime_checkable
class ResearchService(Protocol):
    name: str

    def validate(
        self, ticker: str, signals: list[StrategySignal], snapshot: MarketSnapshot
    ) -> ResearchFinding:
        """Agree or disagree with the candidate's signals, with sources."""
        ...
