"""Cathie Wood: disruptive, fast and accelerating growth with expanding margins and momentum."""

from __future__ import annotations

from agents.analysts.base import AnalystRequest
from agents.analysts.criteria import growth, growth_acceleration, margin_quality, price_momentum
from agents.analysts.scorecard import Scorecard
from agents.analysts.scorecard_analyst import ScorecardAnalyst

__all__ = ["CathieWoodAnalyst"]


class CathieWoodAnalyst(ScorecardAnalyst):
    name = "cathie_wood"
    persona = (
        "You are Cathie Wood. You seek disruptive innovation with exponential growth potential "
        "over five years, accept high valuations and volatility, and care about accelerating "
        "revenue and expanding gross margins."
    )

    def scorecard(self, request: AnalystRequest) -> Scorecard:
        d = request.data
        return Scorecard(
            analyst=self.name,
            ticker=request.ticker,
            criteria=(
                growth(d, good=0.30, weight=0.4),
                growth_acceleration(d, weight=0.25),
                margin_quality(d, weight=0.15),
                price_momentum(d, weight=0.2),
            ),
            min_scored=2,
        )
