"""Bill Ackman's scorecard.

High-quality, free-cash-flow-rich businesses with balance-sheet discipline at a discount.
"""

from __future__ import annotations

from agents.analysts.base import AnalystRequest
from agents.analysts.criteria import balance_sheet, fcf_yield, intrinsic_gap, returns_on_capital
from agents.analysts.scorecard import Scorecard
from agents.analysts.scorecard_analyst import ScorecardAnalyst

__all__ = ["BillAckmanAnalyst"]


class BillAckmanAnalyst(ScorecardAnalyst):
    name = "bill_ackman"
    persona = (
        "You are Bill Ackman. You take concentrated positions in simple, predictable, free- "
        "cash-flow-generating businesses with strong brands, demand balance-sheet discipline, "
        "and look for a catalyst or activism to close the discount to intrinsic value."
    )

    def scorecard(self, request: AnalystRequest) -> Scorecard:
        d = request.data
        return Scorecard(
            analyst=self.name,
            ticker=request.ticker,
            criteria=(
                returns_on_capital(d, weight=0.25),
                fcf_yield(d, weight=0.25),
                balance_sheet(d, max_de=1.0, weight=0.2),
                intrinsic_gap(d, weight=0.3),
            ),
            min_scored=3,
        )
