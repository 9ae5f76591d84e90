"""Small readers over TickerData that return ``None`` for anything missing."""

from __future__ import annotations

import math
from collections.abc import Iterable

from domain import FinancialMetrics, TickerData

__all__ = ["latest_metrics", "mean_of", "ratio"]


def latest_metrics(data: TickerData) -> FinancialMetrics | None:
    """Newest report (metrics arrive newest first and already point-in-time)."""
    return data.metrics[0] if data.metrics else None


def mean_of(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None and math.isfinite(v)]
    return sum(present) / len(present) if present else None


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator
