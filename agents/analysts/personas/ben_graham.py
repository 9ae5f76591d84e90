"""Ben Graham's scorecard.

A margin of safety below the Graham number, cheap multiples and a strong balance sheet.
"""

from __future__ import annotations

from agents.analysts.base import AnalystRequest
from agents.analysts.criteria import balance_sheet, cheap_multiples, consistency, graham_number
from agents.analysts.scorecard import Scorecard
from agents.analysts.scorecard_analyst import ScorecardAnalyst

__all__ = ["BenGrahamAnalyst"]


class BenGrahamAnalyst(ScorecardAnalyst):
    name = "ben_graham"
    persona = (
        "You are Benjamin Graham. You demand a margin of safety: price below the Graham number, "
        "low P/E and P/B, current ratio above 2, low debt and stable earnings. You ignore "
        "stories."
    )

    def scorecard(self, request: AnalystRequest) -> Scorecard:
        d = request.data
        return Scorecard(
            analyst=self.name,
            ticker=request.ticker,
            criteria=(
                graham_number(d, weight=0.35),
                cheap_multiples(d, weight=0.25),
                balance_sheet(d, weight=0.2),
                consistency(d, weight=0.2),
            ),
            min_scored=2,
        )
