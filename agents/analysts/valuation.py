"""Valuation analyst: four intrinsic-value models weighed against the market capitalisation."""

from __future__ import annotations

from collections.abc import Mapping

from agents.analysts._inputs import latest_metrics
from agents.analysts.base import AnalystRequest
from agents.analysts.scorecard import Criterion, Scorecard, linear_score
from agents.analysts.scorecard_analyst import ScorecardAnalyst
from agents.analysts.valuation_models import (
    dcf_value,
    equity_gap,
    ev_ebitda_value,
    owner_earnings_value,
    residual_income_value,
)

__all__ = ["ValuationAnalyst"]

WEIGHTS = {"dcf": 0.35, "owner_earnings": 0.35, "ev_ebitda": 0.20, "residual_income": 0.10}


class ValuationAnalyst(ScorecardAnalyst):
    name = "valuation"
    persona = (
        "You are a valuation analyst. You compare intrinsic-value estimates (DCF, owner "
        "earnings, EV/EBITDA, residual income) with the market price and respect disagreement."
    )

    def scorecard(self, request: AnalystRequest) -> Scorecard:
        m = latest_metrics(request.data)
        if m is None:
            criteria = tuple(Criterion(name, None, "no metrics", w) for name, w in WEIGHTS.items())
        else:
            values = {
                "dcf": dcf_value(m),
                "owner_earnings": owner_earnings_value(m),
                "ev_ebitda": ev_ebitda_value(m, request.data.metrics[1:]),
                "residual_income": residual_income_value(m),
            }
            criteria = tuple(
                _gap_criterion(name, values[name], m.market_cap, weight)
                for name, weight in WEIGHTS.items()
            )
        return Scorecard(analyst=self.name, ticker=request.ticker, criteria=criteria, min_scored=2)

    def facts(self, request: AnalystRequest) -> Mapping[str, object]:
        m = latest_metrics(request.data)
        return (
            {}
            if m is None
            else {"market_cap": m.market_cap, "enterprise_value": m.enterprise_value}
        )


def _gap_criterion(
    name: str, value: float | None, market_cap: float | None, weight: float
) -> Criterion:
    gap = equity_gap(value, market_cap)
    if gap is None:
        return Criterion(name, None, "model inputs missing or not applicable", weight)
    return Criterion(
        name, linear_score(gap, bad=-0.5, good=0.5), f"value/market cap {gap:+.1%}", weight
    )
