"""Synthetic quarterly fundamentals for the offline market, consistent with its price path.

Why consistent: valuation analysts compare price to earnings and book; if the ratios were drawn
independently of the price path they would contradict the bars. Each ticker gets a business
profile (size, growth, margins, leverage) from ``(seed, ticker)``; each quarter adds small noise.
Filing (``available_at``) lands 25 to 44 days after the quarter end, after the close.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from domain import FinancialMetrics
from tools.market_data._synthetic import filing_instant, normal, seeded_rng
from tools.market_data.sessions import NEW_YORK

__all__ = ["quarterly_metrics"]


@dataclass(frozen=True, slots=True)
class _Profile:
    shares: float
    pe: float
    margin: float
    gross_extra: float
    debt_to_equity: float
    current_ratio: float
    payout: float


def _profile(seed: int, ticker: str) -> _Profile:
    rng = seeded_rng("offline-profile", seed, ticker)
    shares = 2e8 + 5e9 * rng.random()
    margin = 0.05 + 0.30 * rng.random()
    return _Profile(
        shares=shares,
        pe=12.0 + 28.0 * rng.random(),
        margin=margin,
        gross_extra=0.15 + 0.35 * rng.random(),
        debt_to_equity=0.1 + 2.0 * rng.random(),
        current_ratio=0.8 + 2.0 * rng.random(),
        payout=0.4 * rng.random(),
    )


def _quarter_end(day: date) -> date:
    """The last calendar-quarter end on or before ``day``."""
    q_month = ((day.month - 1) // 3) * 3  # 0, 3, 6, 9
    first_of_quarter = date(day.year, q_month + 1, 1)
    return first_of_quarter - timedelta(days=1)


def _quarter_index(period: date) -> int:
    return (period.year - 2000) * 4 + (period.month - 1) // 3


def _ttm(profile: _Profile, seed: int, ticker: str, k: int, price: float) -> tuple[float, float]:
    """(TTM revenue, TTM net margin) of quarter index ``k``.

    Revenue is backed out of the price through a P/E that wanders around the profile's, so
    valuations stay realistic over decades and growth agrees with the price path.
    """
    rng = seeded_rng("offline-quarter", seed, ticker, k)
    margin = max(profile.margin + 0.02 * normal(rng), 0.01)
    pe = profile.pe * math.exp(0.08 * normal(rng))
    return price * profile.shares / pe / margin, margin


def _year_before(period: date) -> date:
    return date(period.year - 1, period.month, period.day)


def _close_on(days: tuple[date, ...], closes: Sequence[float], day: date) -> float:
    i = bisect_right(days, day) - 1
    return closes[max(i, 0)]


def _metrics_for(
    seed: int,
    ticker: str,
    profile: _Profile,
    period: date,
    prices: tuple[float, float],
    available_at: datetime,
) -> FinancialMetrics:
    """Metrics of ``period``; ``prices`` are the closes at the period end and a year before."""
    k = _quarter_index(period)
    price, prev_price = prices
    revenue, margin = _ttm(profile, seed, ticker, k, price)
    prev_revenue, prev_margin = _ttm(profile, seed, ticker, k - 4, prev_price)
    earnings, prev_earnings = revenue * margin, prev_revenue * prev_margin
    book = revenue * 0.45
    fcf = earnings * (0.9 + 0.2 * seeded_rng("offline-fcf", seed, ticker, k).random())
    market_cap = price * profile.shares
    debt = book * profile.debt_to_equity
    ev = market_cap + debt * 0.7
    ebitda = earnings * 1.35 + revenue * 0.03
    eps = earnings / profile.shares
    pe = price / eps if eps > 0 else None
    earnings_growth = (earnings - prev_earnings) / abs(prev_earnings) if prev_earnings else None
    interest = debt * 0.04
    growing = pe is not None and earnings_growth is not None and earnings_growth > 0
    return FinancialMetrics(
        ticker=ticker,
        report_period=period,
        available_at=available_at,
        market_cap=market_cap,
        enterprise_value=ev,
        price_to_earnings_ratio=pe,
        price_to_book_ratio=market_cap / book,
        price_to_sales_ratio=market_cap / revenue,
        enterprise_value_to_ebitda_ratio=ev / ebitda if ebitda > 0 else None,
        free_cash_flow_yield=fcf / market_cap,
        peg_ratio=pe / (earnings_growth * 100) if growing else None,  # type: ignore[operator]
        gross_margin=min(margin + profile.gross_extra, 0.95),
        operating_margin=margin * 1.25,
        net_margin=margin,
        return_on_equity=earnings / book,
        return_on_assets=earnings / (book + debt),
        return_on_invested_capital=earnings / (book + debt * 0.7),
        current_ratio=profile.current_ratio,
        debt_to_equity=profile.debt_to_equity,
        interest_coverage=(ebitda / interest) if interest > 0 and k % 5 else None,
        revenue_growth=revenue / prev_revenue - 1.0,
        earnings_growth=earnings_growth,
        free_cash_flow_growth=earnings_growth,
        book_value_growth=revenue / prev_revenue - 1.0,
        payout_ratio=profile.payout,
        earnings_per_share=eps,
        book_value_per_share=book / profile.shares,
        free_cash_flow_per_share=fcf / profile.shares,
    )


def quarterly_metrics(
    seed: int,
    ticker: str,
    days: tuple[date, ...],
    closes: Sequence[float],
    as_of: datetime,
    limit: int,
) -> list[FinancialMetrics]:
    """Metrics filed at or before ``as_of``, most recent report period first."""
    profile = _profile(seed, ticker)
    period = _quarter_end(as_of.astimezone(NEW_YORK).date())
    out: list[FinancialMetrics] = []
    while len(out) < limit and period > days[0]:
        lag = 25 + int(20 * seeded_rng("offline-filing", seed, ticker, period).random())
        available_at = filing_instant(period + timedelta(days=lag))
        if available_at <= as_of:
            prices = (
                _close_on(days, closes, period),
                _close_on(days, closes, _year_before(period)),
            )
            out.append(_metrics_for(seed, ticker, profile, period, prices, available_at))
        period = _quarter_end(period)
    return out
