"""Technical analyst: trend, momentum, mean reversion and the long-term regime from bars alone."""

from __future__ import annotations

from collections.abc import Mapping

from agents.analysts.base import AnalystRequest
from agents.analysts.scorecard import Criterion, Scorecard, clip
from agents.analysts.scorecard_analyst import ScorecardAnalyst
from agents.strategies._indicators import closes, ema, rate_of_change, rsi, sma, valid_bars, zscore

__all__ = ["TechnicalsAnalyst"]

MIN_BARS = 60


class TechnicalsAnalyst(ScorecardAnalyst):
    name = "technicals"
    persona = (
        "You are a technical analyst. You judge trend, momentum and stretch from price history "
        "only, and you say neutral when the evidence conflicts."
    )

    def scorecard(self, request: AnalystRequest) -> Scorecard:
        bars = request.data.bars
        prices = closes(bars) if len(bars) >= MIN_BARS and valid_bars(bars) else []
        return Scorecard(
            analyst=self.name,
            ticker=request.ticker,
            criteria=(
                _trend(prices),
                _momentum(prices),
                _stretch(prices),
                _regime(prices),
            ),
            min_scored=2,
        )

    def facts(self, request: AnalystRequest) -> Mapping[str, object]:
        last = request.data.last_close
        return {"last_close": last, "bars": len(request.data.bars)}


def _trend(prices: list[float]) -> Criterion:
    fast, mid, slow = ema(prices, 8), ema(prices, 21), ema(prices, 55)
    if fast is None or mid is None or slow is None:
        return Criterion("trend", None, "needs 55 closes", weight=0.3)
    aligned = 1.0 if fast > mid > slow else -1.0 if fast < mid < slow else 0.0
    spread = clip((fast / slow - 1.0) * 10)
    score = clip(0.5 * aligned + 0.5 * spread)
    return Criterion("trend", score, f"EMA8 {fast:.2f} / EMA21 {mid:.2f} / EMA55 {slow:.2f}", 0.3)


def _momentum(prices: list[float]) -> Criterion:
    r21, r63 = rate_of_change(prices, 21), rate_of_change(prices, 63)
    r126 = rate_of_change(prices, 126)
    parts = [(0.4, r21), (0.3, r63), (0.3, r126)]
    present = [(w, r) for w, r in parts if r is not None]
    if not present:
        return Criterion("momentum", None, "needs 22 closes", weight=0.3)
    blended = sum(w * r for w, r in present) / sum(w for w, _ in present)
    return Criterion("momentum", clip(blended * 5), f"blended return {blended:+.1%}", 0.3)


def _stretch(prices: list[float]) -> Criterion:
    z, strength = zscore(prices, 50), rsi(prices)
    if z is None or strength is None:
        return Criterion("mean_reversion", None, "needs 50 closes", weight=0.2)
    rsi_score = 1.0 if strength < 30 else -1.0 if strength > 70 else 0.0
    score = clip(0.5 * clip(-z / 2) + 0.5 * rsi_score)
    return Criterion("mean_reversion", score, f"z50 {z:+.2f}, RSI {strength:.0f}", 0.2)


def _regime(prices: list[float]) -> Criterion:
    long_average = sma(prices, 200) or sma(prices, 100)
    if long_average is None:
        return Criterion("regime", None, "needs 100 closes", weight=0.2)
    gap = prices[-1] / long_average - 1.0
    return Criterion("regime", clip(gap * 5), f"close vs long average {gap:+.1%}", 0.2)
