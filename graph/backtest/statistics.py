"""The backtest's statistics: returns, risk, drawdown, activity, analyst hit rates, benchmark.

The return-based ratios (Sharpe, Sortino, Calmar, annualised return and volatility, max
drawdown) come from empyrical through ``risk_ratios``, in this process or in the worker the CLI
starts beside the run (``ratio_worker``). What empyrical has no notion of (exposure, turnover,
win rate, profit factor, hit rates, drawdown dates) is computed here from the typed result.

A per-analyst hit: a bullish verdict followed by a positive return over the next ``horizon``
sessions (close of the decision's last bar to the close ``horizon`` sessions later), a bearish one
by a negative return; neutral and no-data verdicts are not scored.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from datetime import date

from pydantic import BaseModel

from domain import VerdictSignal
from graph.backtest.results import BacktestResult
from graph.backtest.risk_ratios import EquityCurve, RiskRatios, risk_ratios

__all__ = ["HitRate", "Statistics", "statistics_of"]


class HitRate(BaseModel):
    scored: int
    hits: int
    hit_rate: float | None


class Statistics(BaseModel):
    total_return: float
    annual_return: float
    annual_volatility: float
    sharpe: float
    sortino: float
    calmar: float
    max_drawdown: float
    """As a negative fraction (-0.25 is a 25 % fall from the peak)."""
    drawdown_peak: date | None
    drawdown_trough: date | None
    drawdown_recovery: date | None
    """First close back at the peak's equity after the trough (``None``: not recovered)."""
    exposure: float
    """Average gross exposure at the close as a fraction of equity."""
    turnover: float
    """Traded notional over average equity, per year."""
    closed_trades: int
    win_rate: float | None
    profit_factor: float | None
    """Gross profit over gross loss of closing fills (``None`` without a loss)."""
    benchmark_return: float | None
    excess_return: float | None
    """Total return minus the benchmark's over the same sessions."""
    analyst_hit_rates: dict[str, HitRate]


def statistics_of(
    result: BacktestResult, ratios: Callable[[EquityCurve], RiskRatios] = risk_ratios
) -> Statistics:
    """The result's statistics; ``ratios`` answers the equity curve's (a ``RatioWorker``'s
    ``ratios`` in the CLI, computed in this process by default)."""
    days = [p.day for p in result.equity]
    values = [float(p.equity) for p in result.equity]
    start_equity = float(result.initial_cash)
    risk = ratios(EquityCurve(days=tuple(days), equity=tuple(values), start_equity=start_equity))
    total = values[-1] / start_equity - 1.0 if values else 0.0
    peak, trough, recovery, worst = _drawdown(days, [start_equity, *values])
    bench = _benchmark_return(result)
    traded = sum(float(t.qty * t.price) for t in result.trades)
    average_equity = math.fsum(values) / len(values) if values else start_equity
    years = max(len(days), 1) / 252
    closing = [float(t.realized_pnl) for t in result.trades if t.realized_pnl is not None]
    gains = sum(p for p in closing if p > 0)
    losses = -sum(p for p in closing if p < 0)
    exposure = [float(p.gross_exposure / p.equity) if p.equity > 0 else 0.0 for p in result.equity]
    return Statistics(
        total_return=total,
        annual_return=risk.annual_return,
        annual_volatility=risk.annual_volatility,
        sharpe=risk.sharpe,
        sortino=risk.sortino,
        calmar=risk.calmar,
        max_drawdown=risk.max_drawdown if risk.max_drawdown is not None else worst,
        drawdown_peak=peak,
        drawdown_trough=trough,
        drawdown_recovery=recovery,
        exposure=sum(exposure) / len(exposure) if exposure else 0.0,
        turnover=traded / average_equity / years if average_equity > 0 else 0.0,
        closed_trades=len(closing),
        win_rate=sum(1 for p in closing if p > 0) / len(closing) if closing else None,
        profit_factor=gains / losses if losses > 0 else None,
        benchmark_return=bench,
        excess_return=total - bench if bench is not None else None,
        analyst_hit_rates=_hit_rates(result),
    )


def _drawdown(
    days: list[date], curve: list[float]
) -> tuple[date | None, date | None, date | None, float]:
    """(peak day, trough day, recovery day, drawdown) of the deepest fall; ``curve[0]`` is the
    starting equity (before the first session), the rest align with ``days``."""
    best_peak_i = peak_i = 0
    trough_i = 0
    worst = 0.0
    for i, value in enumerate(curve):
        if value > curve[peak_i]:
            peak_i = i
        fall = value / curve[peak_i] - 1.0 if curve[peak_i] > 0 else 0.0
        if fall < worst:
            worst, best_peak_i, trough_i = fall, peak_i, i
    if worst == 0.0:
        return None, None, None, 0.0
    recovery = next(
        (i for i in range(trough_i + 1, len(curve)) if curve[i] >= curve[best_peak_i]), None
    )

    def day(i: int | None) -> date | None:
        if i is None:
            return None
        return days[i - 1] if i > 0 else days[0]

    return day(best_peak_i), day(trough_i), day(recovery), worst


def _benchmark_return(result: BacktestResult) -> float | None:
    closes = [p.benchmark_close for p in result.equity if p.benchmark_close is not None]
    if result.benchmark is None or len(closes) < 2:
        return None
    return closes[-1] / closes[0] - 1.0


def _hit_rates(result: BacktestResult) -> dict[str, HitRate]:
    """Each directional verdict against the ticker's return over the next ``horizon`` closes."""
    horizon = result.hit_horizon
    index = {s.day: i for i, s in enumerate(result.sessions)}
    closes: dict[str, list[float | None]] = defaultdict(lambda: [None] * len(result.sessions))
    for i, session in enumerate(result.sessions):
        for ticker, close in session.closes.items():
            closes[ticker][i] = close
    scored: dict[str, list[bool]] = defaultdict(list)
    for session in result.sessions:
        i = index[session.day]
        for verdict in session.analyst_verdicts:
            if verdict.signal not in (VerdictSignal.BULLISH, VerdictSignal.BEARISH):
                continue
            series = closes.get(verdict.ticker)
            if series is None or i - 1 < 0 or i - 1 + horizon >= len(series):
                continue
            before, after = series[i - 1], series[i - 1 + horizon]
            if before is None or after is None or before <= 0:
                continue
            move = after / before - 1.0
            up = verdict.signal is VerdictSignal.BULLISH
            scored[verdict.analyst].append(move > 0 if up else move < 0)
    return {
        name: HitRate(
            scored=len(hits),
            hits=sum(hits),
            hit_rate=sum(hits) / len(hits) if hits else None,
        )
        for name, hits in sorted(scored.items())
    }
