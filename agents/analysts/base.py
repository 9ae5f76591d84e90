"""The analyst interface: a deterministic scoring core, optionally judged by an LLM on top."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from domain import AnalystVerdict, ResearchFinding, StrategySignal, TickerData
from tools.llm.base import StructuredLLM

__all__ = ["Analyst", "AnalystRequest"]


@dataclass(frozen=True, slots=True)
class AnalystRequest:
    """What one analyst sees for one ticker."""

    ticker: str
    data: TickerData
    """Point-in-time data for the ticker."""
    signals: tuple[StrategySignal, ...]
    """The strategy engine's signals that made the ticker a candidate."""
    research: ResearchFinding | None
    """Research finding, in modes where research feeds the analysts; else ``None``."""
    as_of: datetime


class Analyst(Protocol):
    name: str

    async def analyze(self, request: AnalystRequest, llm: StructuredLLM | None) -> AnalystVerdict:
        """Never raises for data or LLM problems: INSUFFICIENT_DATA or NO_SIGNAL with a reason."""
        ...
