"""Peter Lynch: growth at a reasonable price (PEG), manageable debt, insiders buying."""

from __future__ import annotations

from agents.analysts.base import AnalystRequest
from agents.analysts.criteria import balance_sheet, growth, insider_buying, peg
from agents.analysts.scorecard import Scorecard
from agents.analysts.scorecard_analyst import ScorecardAnalyst

__all__ = ["PeterLynchAnalyst"]


class PeterLynchAnalyst(ScorecardAnalyst):
    name = "peter_lynch"
    persona = (
        "You are Peter Lynch. You invest in what you understand, favour growth at a reasonable "
        "price (PEG near or below 1), manageable debt and insider buying, and you hunt for ten- "
        "baggers."
    )

    def scorecard(self, request: AnalystRequest) -> Scorecard:
        d = request.data
        return Scorecard(
            analyst=self.name,
            ticker=request.ticker,
            criteria=(
                peg(d, weight=0.35),
                growth(d, weight=0.3),
                balance_sheet(d, max_de=0.8, weight=0.15),
                insider_buying(d, weight=0.2),
            ),
            min_scored=2,
        )
