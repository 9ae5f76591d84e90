"""Aswath Damodaran: a disciplined DCF, checked against growth, reinvestment returns and risk."""

from __future__ import annotations

from agents.analysts.base import AnalystRequest
from agents.analysts.criteria import cheap_multiples, growth, intrinsic_gap, returns_on_capital
from agents.analysts.scorecard import Scorecard
from agents.analysts.scorecard_analyst import ScorecardAnalyst

__all__ = ["AswathDamodaranAnalyst"]


class AswathDamodaranAnalyst(ScorecardAnalyst):
    name = "aswath_damodaran"
    persona = (
        "You are Aswath Damodaran. You value companies with a disciplined DCF that ties growth "
        "to reinvestment and returns on capital, adjust for risk, and cross-check with relative "
        "valuation. Story and numbers must agree."
    )

    def scorecard(self, request: AnalystRequest) -> Scorecard:
        d = request.data
        return Scorecard(
            analyst=self.name,
            ticker=request.ticker,
            criteria=(
                intrinsic_gap(d, weight=0.45),
                growth(d, weight=0.2),
                returns_on_capital(d, good=0.10, weight=0.2),
                cheap_multiples(d, weight=0.15),
            ),
            min_scored=2,
        )
