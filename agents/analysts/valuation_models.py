"""Intrinsic-value models over point-in-time metrics: DCF, owner earnings, EV/EBITDA, RI.

Each returns the model's equity value (account currency) or ``None`` when an input is missing or
the model does not apply (negative cash flow, a multiple without history). Inputs come only from
FinancialMetrics: free cash flow is ``free_cash_flow_yield * market_cap``, book value is
``market_cap / price_to_book_ratio``.
"""

from __future__ import annotations

from collections.abc import Sequence
from statistics import median

from domain import FinancialMetrics

__all__ = [
    "dcf_value",
    "equity_gap",
    "ev_ebitda_value",
    "free_cash_flow",
    "owner_earnings_value",
    "residual_income_value",
]


def free_cash_flow(m: FinancialMetrics) -> float | None:
    if m.free_cash_flow_yield is None or m.market_cap is None:
        return None
    return m.free_cash_flow_yield * m.market_cap


def _growth(m: FinancialMetrics, cap: float) -> float:
    for candidate in (m.free_cash_flow_growth, m.earnings_growth, m.revenue_growth):
        if candidate is not None:
            return max(-0.05, min(cap, candidate))
    return 0.0


def _discounted(cash: float, growth: float, discount: float, terminal: float, years: int) -> float:
    value = 0.0
    flow = cash
    for year in range(1, years + 1):
        flow *= 1 + growth
        value += flow / (1 + discount) ** year
    terminal_value = flow * (1 + terminal) / (discount - terminal)
    return value + terminal_value / (1 + discount) ** years


def dcf_value(
    m: FinancialMetrics, *, discount: float = 0.10, terminal: float = 0.03
) -> float | None:
    """Five years of free cash flow at its own growth (capped at 15 %), then a 3 % perpetuity."""
    fcf = free_cash_flow(m)
    if fcf is None or fcf <= 0:
        return None
    return _discounted(fcf, _growth(m, 0.15), discount, terminal, 5)


def owner_earnings_value(m: FinancialMetrics, *, margin_of_safety: float = 0.25) -> float | None:
    """Owner earnings (approximated by free cash flow) at 15 % and slow growth, less a margin."""
    fcf = free_cash_flow(m)
    if fcf is None or fcf <= 0:
        return None
    return _discounted(fcf, _growth(m, 0.05), 0.15, 0.025, 5) * (1 - margin_of_safety)


def ev_ebitda_value(m: FinancialMetrics, history: Sequence[FinancialMetrics]) -> float | None:
    """Today's EBITDA at the median historical EV/EBITDA multiple, less net debt."""
    ratio, ev, cap = m.enterprise_value_to_ebitda_ratio, m.enterprise_value, m.market_cap
    if ratio is None or ev is None or cap is None or ratio <= 0:
        return None
    past = [h.enterprise_value_to_ebitda_ratio for h in history]
    multiples = [x for x in past if x is not None and x > 0]
    if len(multiples) < 2:
        return None
    ebitda = ev / ratio
    net_debt = ev - cap
    return max(ebitda * median(multiples) - net_debt, 0.0)


def residual_income_value(
    m: FinancialMetrics, *, cost_of_equity: float = 0.10, margin_of_safety: float = 0.20
) -> float | None:
    """Book value plus discounted excess returns on it (Edwards-Bell-Ohlson), less a margin."""
    if m.market_cap is None or m.price_to_book_ratio is None or m.return_on_equity is None:
        return None
    if m.price_to_book_ratio <= 0:
        return None
    book = m.market_cap / m.price_to_book_ratio
    residual = book * (m.return_on_equity - cost_of_equity)
    growth = max(-0.05, min(0.05, m.book_value_growth or 0.03))
    terminal = 0.03
    value = book
    flow = residual
    for year in range(1, 6):
        flow *= 1 + growth
        value += flow / (1 + cost_of_equity) ** year
    value += flow * (1 + terminal) / (cost_of_equity - terminal) / (1 + cost_of_equity) ** 5
    return max(value, 0.0) * (1 - margin_of_safety)


def equity_gap(value: float | None, market_cap: float | None) -> float | None:
    """Intrinsic value over market cap, minus one: +0.3 means 30 % undervalued."""
    if value is None or market_cap is None or market_cap <= 0:
        return None
    return value / market_cap - 1.0
