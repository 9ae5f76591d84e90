"""Fundamentals analyst: profitability, growth, financial health and price ratios."""

from __future__ import annotations

from collections.abc import Mapping

from agents.analysts._inputs import latest_metrics, mean_of
from agents.analysts.base import AnalystRequest
from agents.analysts.scorecard import Criterion, Scorecard, linear_score
from agents.analysts.scorecard_analyst import ScorecardAnalyst
from domain import FinancialMetrics

__all__ = ["FundamentalsAnalyst"]


class FundamentalsAnalyst(ScorecardAnalyst):
    name = "fundamentals"
    persona = (
        "You are a fundamentals analyst. You weigh profitability, growth, balance-sheet health "
        "and what the price asks for them."
    )

    def scorecard(self, request: AnalystRequest) -> Scorecard:
        m = latest_metrics(request.data)
        return Scorecard(
            analyst=self.name,
            ticker=request.ticker,
            criteria=(profitability(m), growth(m), health(m), price_ratios(m)),
            min_scored=2,
        )

    def facts(self, request: AnalystRequest) -> Mapping[str, object]:
        m = latest_metrics(request.data)
        return {} if m is None else m.model_dump(mode="json", exclude_none=True)


def _criterion(name: str, scores: list[float | None], detail: str) -> Criterion:
    score = mean_of(scores)
    present = sum(s is not None for s in scores)
    return Criterion(name, score, f"{detail} ({present}/{len(scores)} inputs)")


def profitability(m: FinancialMetrics | None) -> Criterion:
    if m is None:
        return Criterion("profitability", None, "no metrics")
    return _criterion(
        "profitability",
        [
            linear_score(m.return_on_equity, bad=0.0, good=0.20),
            linear_score(m.net_margin, bad=0.0, good=0.20),
            linear_score(m.operating_margin, bad=0.0, good=0.20),
        ],
        f"ROE {m.return_on_equity}, net margin {m.net_margin}, op margin {m.operating_margin}",
    )


def growth(m: FinancialMetrics | None) -> Criterion:
    if m is None:
        return Criterion("growth", None, "no metrics")
    return _criterion(
        "growth",
        [
            linear_score(m.revenue_growth, bad=-0.05, good=0.15),
            linear_score(m.earnings_growth, bad=-0.10, good=0.15),
            linear_score(m.book_value_growth, bad=-0.05, good=0.10),
        ],
        f"revenue {m.revenue_growth}, earnings {m.earnings_growth}, book {m.book_value_growth}",
    )


def health(m: FinancialMetrics | None) -> Criterion:
    if m is None:
        return Criterion("financial_health", None, "no metrics")
    conversion = None
    if m.free_cash_flow_per_share is not None and m.earnings_per_share:
        conversion = m.free_cash_flow_per_share / m.earnings_per_share
    return _criterion(
        "financial_health",
        [
            linear_score(m.current_ratio, bad=0.8, good=2.0),
            linear_score(m.debt_to_equity, bad=2.0, good=0.3),
            linear_score(conversion, bad=0.5, good=1.0),
        ],
        f"current ratio {m.current_ratio}, debt/equity {m.debt_to_equity}",
    )


def price_ratios(m: FinancialMetrics | None) -> Criterion:
    if m is None:
        return Criterion("price_ratios", None, "no metrics")

    def positive(value: float | None) -> float | None:
        return value if value is not None and value > 0 else None

    return _criterion(
        "price_ratios",
        [
            linear_score(positive(m.price_to_earnings_ratio), bad=40.0, good=15.0),
            linear_score(positive(m.price_to_book_ratio), bad=6.0, good=1.5),
            linear_score(positive(m.price_to_sales_ratio), bad=10.0, good=2.0),
        ],
        f"P/E {m.price_to_earnings_ratio}, P/B {m.price_to_book_ratio}, "
        f"P/S {m.price_to_sales_ratio}",
    )
