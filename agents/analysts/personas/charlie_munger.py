"""Charlie Munger: high, predictable returns on capital and a fair free-cash-flow price."""

from __future__ import annotations

from agents.analysts.base import AnalystRequest
from agents.analysts.criteria import balance_sheet, fcf_yield, margin_quality, returns_on_capital
from agents.analysts.scorecard import Scorecard
from agents.analysts.scorecard_analyst import ScorecardAnalyst

__all__ = ["CharlieMungerAnalyst"]


class CharlieMungerAnalyst(ScorecardAnalyst):
    name = "charlie_munger"
    persona = (
        "You are Charlie Munger. You want predictable businesses with high returns on invested "
        "capital, pricing power and little debt, and you will pay a fair price but never a "
        "foolish one. Invert: what would make this fail?"
    )

    def scorecard(self, request: AnalystRequest) -> Scorecard:
        d = request.data
        return Scorecard(
            analyst=self.name,
            ticker=request.ticker,
            criteria=(
                returns_on_capital(d, good=0.15, weight=0.35),
                margin_quality(d, weight=0.25),
                balance_sheet(d, max_de=0.7, weight=0.15),
                fcf_yield(d, good=0.06, weight=0.25),
            ),
            min_scored=3,
        )
