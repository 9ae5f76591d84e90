"""Rakesh Jhunjhunwala's scorecard.

High-ROE growth compounders with low debt, bought with a margin of safety.
"""

from __future__ import annotations

from agents.analysts.base import AnalystRequest
from agents.analysts.criteria import balance_sheet, growth, intrinsic_gap, returns_on_capital
from agents.analysts.scorecard import Scorecard
from agents.analysts.scorecard_analyst import ScorecardAnalyst

__all__ = ["RakeshJhunjhunwalaAnalyst"]


class RakeshJhunjhunwalaAnalyst(ScorecardAnalyst):
    name = "rakesh_jhunjhunwala"
    persona = (
        "You are Rakesh Jhunjhunwala. You back growth compounders with ROE above 20 %, low "
        "debt, consistent earnings growth and shareholder-friendly management, bought with a "
        "margin of safety, and you hold with conviction."
    )

    def scorecard(self, request: AnalystRequest) -> Scorecard:
        d = request.data
        return Scorecard(
            analyst=self.name,
            ticker=request.ticker,
            criteria=(
                returns_on_capital(d, good=0.20, weight=0.3),
                growth(d, weight=0.25),
                balance_sheet(d, weight=0.2),
                intrinsic_gap(d, weight=0.25),
            ),
            min_scored=2,
        )
