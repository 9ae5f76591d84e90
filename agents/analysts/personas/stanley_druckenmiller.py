"""Stanley Druckenmiller's scorecard.

Asymmetric risk-reward from growth and price momentum, sized by volatility.
"""

from __future__ import annotations

from agents.analysts.base import AnalystRequest
from agents.analysts.criteria import growth, insider_buying, price_momentum, volatility
from agents.analysts.scorecard import Scorecard
from agents.analysts.scorecard_analyst import ScorecardAnalyst

__all__ = ["StanleyDruckenmillerAnalyst"]


class StanleyDruckenmillerAnalyst(ScorecardAnalyst):
    name = "stanley_druckenmiller"
    persona = (
        "You are Stanley Druckenmiller. You look for asymmetric risk-reward: strong growth, "
        "strong price momentum and a volatility that allows size. You cut losers fast and press "
        "winners."
    )

    def scorecard(self, request: AnalystRequest) -> Scorecard:
        d = request.data
        return Scorecard(
            analyst=self.name,
            ticker=request.ticker,
            criteria=(
                growth(d, weight=0.3),
                price_momentum(d, weight=0.35),
                volatility(d, weight=0.15),
                insider_buying(d, weight=0.2),
            ),
            min_scored=2,
        )
