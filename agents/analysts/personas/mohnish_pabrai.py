"""Mohnish Pabrai's scorecard.

Heads I win, tails I don't lose much: downside protection first, then a cheap FCF price.
"""

from __future__ import annotations

from agents.analysts.base import AnalystRequest
from agents.analysts.criteria import balance_sheet, fcf_yield, growth, intrinsic_gap
from agents.analysts.scorecard import Scorecard
from agents.analysts.scorecard_analyst import ScorecardAnalyst

__all__ = ["MohnishPabraiAnalyst"]


class MohnishPabraiAnalyst(ScorecardAnalyst):
    name = "mohnish_pabrai"
    persona = (
        "You are Mohnish Pabrai. Heads I win, tails I don't lose much: you want strong downside "
        "protection (little debt, liquidity), a high free-cash-flow yield and a chance of "
        "doubling in two to three years."
    )

    def scorecard(self, request: AnalystRequest) -> Scorecard:
        d = request.data
        return Scorecard(
            analyst=self.name,
            ticker=request.ticker,
            criteria=(
                balance_sheet(d, max_de=0.3, weight=0.35),
                fcf_yield(d, good=0.10, weight=0.35),
                growth(d, good=0.12, weight=0.15),
                intrinsic_gap(d, weight=0.15),
            ),
            min_scored=2,
        )
