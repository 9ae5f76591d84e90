"""The return-based risk ratios of an equity curve (empyrical), computable in a separate process.

Why empyrical (the ``backtest`` extra): Sharpe, Sortino, Calmar, annualised return and volatility
and max drawdown have conventions (252 sessions a year, sample deviation, downside deviation
against zero) that are easy to get subtly wrong by hand; empyrical-reloaded is the maintained
implementation quant tooling uses.

Why this module imports nothing of the graph: importing empyrical (scipy.stats and pandas) takes
about 0.7 s, longer than the statistics themselves. ``python -m graph.backtest.risk_ratios`` is
the worker ``RatioWorker`` starts beside a run: it pays that import on another core while the
sessions run, then answers one curve on stdin with its ratios on stdout. The same function
answers in-process when no worker is there, so both roads give the same numbers.
"""

from __future__ import annotations

import math
import sys
from datetime import date

from pydantic import BaseModel, ConfigDict

__all__ = ["EquityCurve", "RiskRatios", "risk_ratios"]


class EquityCurve(BaseModel):
    """What the ratios are computed from: closing equity per session and the cash it began with."""

    model_config = ConfigDict(frozen=True)

    days: tuple[date, ...]
    equity: tuple[float, ...]
    """Closing equity, one per day (floats: these feed analytics, never the broker)."""
    start_equity: float


class RiskRatios(BaseModel):
    model_config = ConfigDict(frozen=True)

    annual_return: float
    annual_volatility: float
    sharpe: float
    sortino: float
    calmar: float
    max_drawdown: float | None
    """As a negative fraction; ``None`` for a curve without sessions."""


def _finite(value: float) -> float:
    return float(value) if math.isfinite(value) else 0.0


def risk_ratios(curve: EquityCurve) -> RiskRatios:
    """Daily returns (the first session's against the starting cash) and empyrical's ratios."""
    import empyrical
    import pandas as pd

    equity = pd.Series(list(curve.equity), index=pd.DatetimeIndex(list(curve.days)))
    returns = equity.pct_change()
    if len(equity):
        returns.iloc[0] = equity.iloc[0] / curve.start_equity - 1.0
    return RiskRatios(
        annual_return=_finite(empyrical.annual_return(returns)),
        annual_volatility=_finite(empyrical.annual_volatility(returns)),
        sharpe=_finite(empyrical.sharpe_ratio(returns)),
        sortino=_finite(empyrical.sortino_ratio(returns)),
        calmar=_finite(empyrical.calmar_ratio(returns)),
        max_drawdown=_finite(empyrical.max_drawdown(returns)) if len(returns) else None,
    )


def _serve() -> int:
    """The worker: import first (the slow part), then answer the one curve sent on stdin."""
    import empyrical  # noqa: F401  (imported before the request arrives: that is the point)
    import pandas  # noqa: F401

    request = sys.stdin.readline()
    if not request:
        return 0  # the run ended without asking (an error or an interrupt): nothing to do
    sys.stdout.write(risk_ratios(EquityCurve.model_validate_json(request)).model_dump_json())
    sys.stdout.write("\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(_serve())
