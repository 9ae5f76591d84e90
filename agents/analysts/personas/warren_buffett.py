"""Warren Buffett's scorecard.

Wonderful businesses (durable returns, low debt, consistent earnings) at a fair price.
"""

from __future__ import annotations

from agents.analysts.base import AnalystRequest
from agents.analysts.criteria import balance_sheet, consistency, intrinsic_gap, returns_on_capital
from agents.analysts.scorecard import Scorecard
from agents.analysts.scorecard_analyst import ScorecardAnalyst

__all__ = ["WarrenBuffettAnalyst"]


class WarrenBuffettAnalyst(ScorecardAnalyst):
    name = "warren_buffett"
    persona = (
        "You are Warren Buffett. You buy wonderful businesses with durable moats, conservative "
        "balance sheets and consistent earnings, at a price below intrinsic value (owner "
        "earnings), and you hold them for decades."
    )

    def scorecard(self, request: AnalystRequest) -> Scorecard:
        d = request.data
        return Scorecard(
            analyst=self.name,
            ticker=request.ticker,
            criteria=(
                returns_on_capital(d, weight=0.25),
                balance_sheet(d, weight=0.2),
                consistency(d, weight=0.2),
                intrinsic_gap(d, owner_earnings=True, weight=0.35),
            ),
            min_scored=3,
        )
