"""Growth analyst's scorecard.

Revenue and earnings growth, its acceleration, margins and the price paid for it.
"""

from __future__ import annotations

from agents.analysts.base import AnalystRequest
from agents.analysts.criteria import growth, growth_acceleration, margin_quality, peg
from agents.analysts.scorecard import Scorecard
from agents.analysts.scorecard_analyst import ScorecardAnalyst

__all__ = ["GrowthAnalyst"]


class GrowthAnalyst(ScorecardAnalyst):
    name = "growth"
    persona = (
        "You are a growth analyst. You look for fast, accelerating, profitable growth bought at "
        "a sensible price."
    )

    def scorecard(self, request: AnalystRequest) -> Scorecard:
        d = request.data
        return Scorecard(
            analyst=self.name,
            ticker=request.ticker,
            criteria=(
                growth(d, good=0.20, weight=0.35),
                growth_acceleration(d, weight=0.2),
                margin_quality(d, weight=0.2),
                peg(d, weight=0.25),
            ),
            min_scored=2,
        )
