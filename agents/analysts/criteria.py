"""Reusable criteria the persona analysts compose into their scorecards.

Each takes point-in-time TickerData and returns a Criterion whose score is ``None`` when the inputs
are missing, so a persona never reads an absent number as a bad one.
"""

from __future__ import annotations

import itertools
import math

from agents.analysts._inputs import latest_metrics, mean_of
from agents.analysts.scorecard import Criterion, clip, finite, linear_score
from agents.analysts.valuation_models import dcf_value, equity_gap, owner_earnings_value
from agents.strategies._indicators import closes, rate_of_change, valid_bars
from domain import TickerData

__all__ = [
    "balance_sheet",
    "cheap_multiples",
    "consistency",
    "contrarian_news",
    "fcf_yield",
    "graham_number",
    "growth",
    "growth_acceleration",
    "insider_buying",
    "intrinsic_gap",
    "margin_quality",
    "peg",
    "price_momentum",
    "returns_on_capital",
    "volatility",
]


def _series(data: TickerData, field: str) -> list[float]:
    values = (finite(getattr(m, field)) for m in data.metrics)
    return [v for v in values if v is not None]


def _mean_criterion(name: str, parts: list[float | None], detail: str, weight: float) -> Criterion:
    score = mean_of(parts)
    present = sum(p is not None for p in parts)
    return Criterion(name, score, f"{detail} ({present}/{len(parts)} inputs)", weight)


def returns_on_capital(data: TickerData, *, good: float = 0.15, weight: float = 1.0) -> Criterion:
    """High and persistent ROE / ROIC: the mark of a moat."""
    roe, roic = _series(data, "return_on_equity"), _series(data, "return_on_invested_capital")
    if not roe and not roic:
        return Criterion("returns_on_capital", None, "no ROE or ROIC", weight)
    persistent = [r for r in (roic or roe)]
    share_good = sum(r >= good for r in persistent) / len(persistent)
    level = linear_score(
        mean_of([roe[0] if roe else None, roic[0] if roic else None]), bad=0.0, good=good * 1.5
    )
    score = clip(0.5 * (level or 0.0) + 0.5 * (2 * share_good - 1))
    return Criterion(
        "returns_on_capital",
        score,
        f"{share_good:.0%} of {len(persistent)} periods >= {good:.0%}",
        weight,
    )


def margin_quality(data: TickerData, *, weight: float = 1.0) -> Criterion:
    """High operating margin that is stable or expanding across periods."""
    margins = _series(data, "operating_margin")
    if not margins:
        return Criterion("margins", None, "no operating margin", weight)
    level = linear_score(margins[0], bad=0.0, good=0.25) or 0.0
    trend = 0.0
    if len(margins) >= 2:
        trend = clip((margins[0] - margins[-1]) * 10)
    return Criterion(
        "margins", clip(0.6 * level + 0.4 * trend), f"op margin {margins[0]:.1%}", weight
    )


def balance_sheet(data: TickerData, *, max_de: float = 0.5, weight: float = 1.0) -> Criterion:
    m = latest_metrics(data)
    if m is None:
        return Criterion("balance_sheet", None, "no metrics", weight)
    return _mean_criterion(
        "balance_sheet",
        [
            linear_score(m.debt_to_equity, bad=max_de * 4, good=max_de / 2),
            linear_score(m.current_ratio, bad=0.8, good=2.0),
            linear_score(m.interest_coverage, bad=1.5, good=10.0),
        ],
        f"debt/equity {m.debt_to_equity}, current {m.current_ratio}",
        weight,
    )


def consistency(data: TickerData, *, weight: float = 1.0) -> Criterion:
    """Positive earnings in every period and earnings that grew more often than not."""
    eps = _series(data, "earnings_per_share")
    if len(eps) < 2:
        return Criterion("consistency", None, "fewer than two periods of EPS", weight)
    positive = sum(e > 0 for e in eps) / len(eps)
    rising = sum(a > b for a, b in itertools.pairwise(eps)) / (len(eps) - 1)
    score = clip(positive + rising - 1.0)
    return Criterion(
        "consistency", score, f"EPS positive {positive:.0%}, rising {rising:.0%}", weight
    )


def growth(data: TickerData, *, good: float = 0.15, weight: float = 1.0) -> Criterion:
    m = latest_metrics(data)
    if m is None:
        return Criterion("growth", None, "no metrics", weight)
    return _mean_criterion(
        "growth",
        [
            linear_score(m.revenue_growth, bad=-0.05, good=good),
            linear_score(m.earnings_growth, bad=-0.10, good=good),
            linear_score(m.free_cash_flow_growth, bad=-0.10, good=good),
        ],
        f"revenue {m.revenue_growth}, earnings {m.earnings_growth}",
        weight,
    )


def growth_acceleration(data: TickerData, *, weight: float = 1.0) -> Criterion:
    revenue = _series(data, "revenue_growth")
    if len(revenue) < 2:
        return Criterion("acceleration", None, "fewer than two periods of growth", weight)
    delta = revenue[0] - revenue[1]
    return Criterion(
        "acceleration", clip(delta * 10), f"revenue growth change {delta:+.1%}", weight
    )


def peg(data: TickerData, *, weight: float = 1.0) -> Criterion:
    m = latest_metrics(data)
    ratio = m.peg_ratio if m is not None else None
    growth_rate = m.earnings_growth if m is not None else None
    if ratio is None and m is not None and m.price_to_earnings_ratio and growth_rate:
        ratio = m.price_to_earnings_ratio / (growth_rate * 100) if growth_rate > 0 else None
    if ratio is None or ratio <= 0:
        return Criterion("peg", None, "no usable PEG", weight)
    return Criterion("peg", linear_score(ratio, bad=2.5, good=0.75), f"PEG {ratio:.2f}", weight)


def cheap_multiples(data: TickerData, *, weight: float = 1.0) -> Criterion:
    m = latest_metrics(data)
    if m is None:
        return Criterion("multiples", None, "no metrics", weight)

    def positive(x: float | None) -> float | None:
        return x if x is not None and x > 0 else None

    return _mean_criterion(
        "multiples",
        [
            linear_score(positive(m.price_to_earnings_ratio), bad=30.0, good=12.0),
            linear_score(positive(m.price_to_book_ratio), bad=4.0, good=1.2),
            linear_score(positive(m.enterprise_value_to_ebitda_ratio), bad=20.0, good=7.0),
        ],
        f"P/E {m.price_to_earnings_ratio}, P/B {m.price_to_book_ratio}",
        weight,
    )


def fcf_yield(data: TickerData, *, good: float = 0.08, weight: float = 1.0) -> Criterion:
    m = latest_metrics(data)
    value = m.free_cash_flow_yield if m is not None else None
    if value is None:
        return Criterion("fcf_yield", None, "no free-cash-flow yield", weight)
    return Criterion(
        "fcf_yield", linear_score(value, bad=0.0, good=good), f"FCF yield {value:.1%}", weight
    )


def intrinsic_gap(
    data: TickerData, *, owner_earnings: bool = False, weight: float = 1.0
) -> Criterion:
    m = latest_metrics(data)
    if m is None:
        return Criterion("intrinsic_value", None, "no metrics", weight)
    value = owner_earnings_value(m) if owner_earnings else dcf_value(m)
    gap = equity_gap(value, m.market_cap)
    if gap is None:
        return Criterion("intrinsic_value", None, "cash flows missing or negative", weight)
    return Criterion(
        "intrinsic_value",
        linear_score(gap, bad=-0.4, good=0.4),
        f"margin of safety {gap:+.0%}",
        weight,
    )


def graham_number(data: TickerData, *, weight: float = 1.0) -> Criterion:
    """sqrt(22.5 x EPS x book value per share) against the last close."""
    m = latest_metrics(data)
    price = data.last_close
    if m is None or price is None or m.earnings_per_share is None or m.book_value_per_share is None:
        return Criterion("graham_number", None, "EPS, book value or price missing", weight)
    if m.earnings_per_share <= 0 or m.book_value_per_share <= 0 or price <= 0:
        return Criterion("graham_number", -1.0, "negative earnings or book value", weight)
    number = math.sqrt(22.5 * m.earnings_per_share * m.book_value_per_share)
    gap = number / price - 1.0
    return Criterion(
        "graham_number",
        linear_score(gap, bad=-0.5, good=0.3),
        f"Graham number {number:.2f} vs {price:.2f}",
        weight,
    )


def price_momentum(data: TickerData, *, weight: float = 1.0) -> Criterion:
    bars = data.bars
    if len(bars) < 64 or not valid_bars(bars):
        return Criterion("momentum", None, "fewer than 64 valid bars", weight)
    prices = closes(bars)
    parts = [rate_of_change(prices, 21), rate_of_change(prices, 63), rate_of_change(prices, 126)]
    blended = mean_of(parts)
    if blended is None:
        return Criterion("momentum", None, "no returns", weight)
    return Criterion("momentum", clip(blended * 4), f"blended return {blended:+.1%}", weight)


def volatility(data: TickerData, *, weight: float = 1.0) -> Criterion:
    """Lower realised volatility scores higher (a better risk-reward for the same move)."""
    bars = data.bars
    if len(bars) < 61 or not valid_bars(bars):
        return Criterion("volatility", None, "fewer than 61 valid bars", weight)
    prices = closes(bars)[-61:]
    returns = [b / a - 1 for a, b in itertools.pairwise(prices)]
    mean = sum(returns) / len(returns)
    daily = math.sqrt(sum((r - mean) ** 2 for r in returns) / (len(returns) - 1))
    annual = daily * math.sqrt(252)
    return Criterion(
        "volatility", linear_score(annual, bad=0.6, good=0.15), f"annualised {annual:.0%}", weight
    )


def insider_buying(data: TickerData, *, weight: float = 1.0) -> Criterion:
    trades = data.insider_trades[:50]
    shares = [s for s in (finite(t.shares) for t in trades) if s is not None]
    bought = sum(s for s in shares if s > 0)
    sold = -sum(s for s in shares if s < 0)
    if bought + sold == 0:
        return Criterion("insiders", None, "no insider share counts", weight)
    return Criterion(
        "insiders",
        (bought - sold) / (bought + sold),
        f"bought {bought:,.0f} sold {sold:,.0f}",
        weight,
    )


def contrarian_news(data: TickerData, *, weight: float = 1.0) -> Criterion:
    """Gloomy provider sentiment scores as opportunity (Burry-style contrarianism)."""
    scored = [s for s in (finite(n.sentiment) for n in data.news[:20]) if s is not None]
    if not scored:
        return Criterion("contrarian", None, "no provider sentiment", weight)
    mean = sum(scored) / len(scored)
    return Criterion("contrarian", clip(-mean * 2), f"mean sentiment {mean:+.2f}", weight)
