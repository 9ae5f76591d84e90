"""The shape every analyst in the roster takes: a scorecard, then optional LLM judgement."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence

from agents.analysts.base import AnalystRequest
from agents.analysts.judgement import judge
from agents.analysts.scorecard import Scorecard
from domain import AnalystVerdict, VerdictSignal
from tools.llm.base import StructuredLLM
from tools.llm.routing import llm_for

__all__ = ["ScorecardAnalyst", "unusable_data"]


def unusable_data(analyst: str, ticker: str, exc: Exception) -> AnalystVerdict:
    """Numbers that cannot be scored (NaN, overflow) are missing data: no direction, reason kept."""
    return AnalystVerdict(
        analyst=analyst,
        ticker=ticker,
        signal=VerdictSignal.INSUFFICIENT_DATA,
        confidence=0.0,
        reasoning=f"unusable data: {type(exc).__name__}: {exc}",
    )


class ScorecardAnalyst(ABC):
    """Subclasses define ``name``, ``persona`` and ``scorecard``; this class owns the policy.

    Policy: with no LLM the rules verdict stands (marked RULES). With an LLM, the LLM judges the
    scorecard; if the data is insufficient the LLM is not asked (no direction from missing data),
    and any LLM failure is NO_SIGNAL with the reason.
    """

    name: str = ""
    persona: str = ""

    @abstractmethod
    def scorecard(self, request: AnalystRequest) -> Scorecard:
        """The deterministic criteria for ``request.ticker``; never raises on missing data."""

    def facts(self, request: AnalystRequest) -> Mapping[str, object]:
        """Raw numbers the LLM may cite (in addition to the criteria)."""
        return {}

    def quoted_text(self, request: AnalystRequest) -> Sequence[str]:
        """Untrusted text (news titles, filings) the LLM sees as quoted data."""
        return ()

    async def analyze(self, request: AnalystRequest, llm: StructuredLLM | None) -> AnalystVerdict:
        try:
            card = self.scorecard(request)
            rules = card.verdict()
        except (ArithmeticError, ValueError) as exc:
            return unusable_data(self.name, request.ticker, exc)
        llm = llm_for(llm, f"analyst:{self.name}")
        if llm is None or rules.signal is VerdictSignal.INSUFFICIENT_DATA:
            return rules
        return await judge(
            analyst=self.name,
            persona=self.persona,
            card=card,
            as_of=request.as_of,
            facts=self.facts(request),
            quoted_text=self.quoted_text(request),
            llm=llm,
            research=request.research,
        )
