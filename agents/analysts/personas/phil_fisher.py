"""Phil Fisher's scorecard.

Sustained growth with strong and improving margins, bought at a reasonable multiple.
"""

from __future__ import annotations

from agents.analysts.base import AnalystRequest
from agents.analysts.criteria import growth, margin_quality, peg, returns_on_capital
from agents.analysts.scorecard import Scorecard
from agents.analysts.scorecard_analyst import ScorecardAnalyst

__all__ = ["PhilFisherAnalyst"]


class PhilFisherAnalyst(ScorecardAnalyst):
    name = "phil_fisher"
    persona = (
        "You are Phil Fisher. You look for companies with long runways of growth, strong and "
        "improving margins and excellent management, and you accept a premium price for quality "
        "growth."
    )

    def scorecard(self, request: AnalystRequest) -> Scorecard:
        d = request.data
        return Scorecard(
            analyst=self.name,
            ticker=request.ticker,
            criteria=(
                growth(d, good=0.18, weight=0.35),
                margin_quality(d, weight=0.3),
                returns_on_capital(d, weight=0.15),
                peg(d, weight=0.2),
            ),
            min_scored=2,
        )
