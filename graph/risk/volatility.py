"""Volatility- and correlation-adjusted position limits, from the snapshot's daily bars.

Why: a 10 % position in a name that moves 6 % a day carries the risk of a 20 % position in one that
moves 3 %; and a new name that moves with an existing holding adds to that holding's risk instead
of diversifying it. Floats are fine here: these are analytics that only scale a cap down.
"""

from __future__ import annotations

import itertools
import math
import statistics
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from domain import ReasonCode, TickerData

if TYPE_CHECKING:
    from graph.risk.check import EntryCheck

__all__ = ["PositionScale", "daily_returns", "position_scale"]


@dataclass(frozen=True, slots=True)
class PositionScale:
    factor: Decimal
    """Multiplier in (0, 1] applied to the position cap."""
    code: ReasonCode | None
    """CORRELATION_CAP when correlation shrank the cap; otherwise None (plain position cap)."""
    why: str


def daily_returns(data: TickerData, lookback: int) -> dict[str, float]:
    """Close-to-close log returns keyed by bar date, the last ``lookback`` of them."""
    bars = data.bars[-(lookback + 1) :]
    out: dict[str, float] = {}
    for prev, cur in itertools.pairwise(bars):
        if prev.close > 0 and cur.close > 0:
            out[cur.ts.date().isoformat()] = math.log(cur.close / prev.close)
    return out


def _correlation(a: dict[str, float], b: dict[str, float]) -> float | None:
    days = sorted(set(a) & set(b))
    if len(days) < 5:
        return None
    try:
        return statistics.correlation([a[d] for d in days], [b[d] for d in days])
    except statistics.StatisticsError:  # a constant series has no correlation
        return None


def position_scale(check: EntryCheck) -> PositionScale:
    limits = check.limits
    data = check.snapshot.market.get(check.intent.ticker)
    if data is None:
        return PositionScale(Decimal(1), None, "no bars")
    lookback = limits.volatility_lookback_days
    cache = check.book.returns_cache
    returns = cache.get(check.intent.ticker)
    if returns is None:
        returns = cache[check.intent.ticker] = daily_returns(data, lookback)
    factor = 1.0
    why = []
    if len(returns) >= 2:
        vol = statistics.stdev(returns.values())
        if vol > limits.volatility_target_daily_pct:
            factor = limits.volatility_target_daily_pct / vol
            why.append(f"volatility {vol:.4f}")
    code = None
    for symbol, qty in check.book.positions.items():
        other = check.snapshot.market.get(symbol)
        if symbol == check.intent.ticker or qty == 0 or other is None:
            continue
        if symbol not in cache:
            cache[symbol] = daily_returns(other, lookback)
        corr = _correlation(returns, cache[symbol])
        same_way = (qty > 0) == (check.direction > 0)
        if corr is not None and same_way and corr >= limits.correlation_threshold:
            factor *= limits.correlated_position_scale
            code = ReasonCode.CORRELATION_CAP
            why.append(f"correlation {corr:.2f} with {symbol}")
            break
    scaled = Decimal(str(round(factor, 6)))
    return PositionScale(max(scaled, Decimal("0.000001")), code, "; ".join(why) or "none")
