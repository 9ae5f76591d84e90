"""Michael Burry's scorecard.

Deep value on free cash flow, hard balance sheets, insiders buying, hated by the news.
"""

from __future__ import annotations

from agents.analysts.base import AnalystRequest
from agents.analysts.criteria import (
    balance_sheet,
    cheap_multiples,
    contrarian_news,
    fcf_yield,
    insider_buying,
)
from agents.analysts.scorecard import Scorecard
from agents.analysts.scorecard_analyst import ScorecardAnalyst

__all__ = ["MichaelBurryAnalyst"]


class MichaelBurryAnalyst(ScorecardAnalyst):
    name = "michael_burry"
    persona = (
        "You are Michael Burry. You hunt deep value: a high free-cash-flow yield, low "
        "EV/EBITDA, a balance sheet that survives stress, insider buying, and a stock the crowd "
        "hates. You are contrarian and data-driven."
    )

    def scorecard(self, request: AnalystRequest) -> Scorecard:
        d = request.data
        return Scorecard(
            analyst=self.name,
            ticker=request.ticker,
            criteria=(
                fcf_yield(d, good=0.12, weight=0.35),
                cheap_multiples(d, weight=0.2),
                balance_sheet(d, weight=0.2),
                insider_buying(d, weight=0.1),
                contrarian_news(d, weight=0.15),
            ),
            min_scored=2,
        )
