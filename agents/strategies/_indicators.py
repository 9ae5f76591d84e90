"""Price indicators the strategies and technical analysts share.

Pure functions over float series (oldest first). Floats are fine here: these feed analytics, never
the broker. Each returns ``None`` when the series is too short, so callers cannot mistake missing
history for a flat market.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import pairwise

from domain import Bar
from tools.market_data.bar_series import window_of

__all__ = [
    "atr",
    "closes",
    "ema",
    "rate_of_change",
    "rsi",
    "sma",
    "stdev",
    "valid_bars",
    "zscore",
]


_INF = math.inf

_CHECKED_KEPT = 64
_checked: dict[int, tuple[tuple[Bar, ...], bool]] = {}
"""The tuples of bars ``valid_bars`` checked last, by ``id``, with their answers (kept with the
tuple itself, so an ``id`` cannot be reused while its entry is here)."""


def _closes(bars: Sequence[Bar]) -> list[float]:
    return [bar.close for bar in bars]


def closes(bars: Sequence[Bar]) -> list[float]:
    """The closes, sliced from the whole history when a backtest indexed it (``bar_series``)."""
    found = window_of(bars)
    if found is not None:
        series, start, stop = found
        return series.derived("closes", _closes)[start:stop]
    return _closes(bars)


def _bar_valid(bar: Bar) -> bool:
    # ``0 < v < inf`` is ``isfinite(v) and v > 0`` for a float (NaN fails every comparison), in
    # one chained comparison instead of two calls per price.
    return (
        0 < bar.open < _INF
        and 0 < bar.high < _INF
        and 0 < bar.low < _INF
        and 0 < bar.close < _INF
        and 0 <= bar.volume < _INF
    )


def _invalid_before(bars: Sequence[Bar]) -> list[int]:
    """``[k]``: how many of the first ``k`` bars are not valid (a window is valid when the count
    does not grow across it)."""
    counts = [0]
    for bar in bars:
        counts.append(counts[-1] + (not _bar_valid(bar)))
    return counts


def _all_valid(bars: Sequence[Bar]) -> bool:
    return all(map(_bar_valid, bars))


def valid_bars(bars: Sequence[Bar]) -> bool:
    """True when every price is finite and positive and every volume finite and non-negative.

    A strategy refuses to read anything else rather than guess around a bad print.

    Why the small memory: every strategy and then several analysts check the same snapshot's
    bars, a tuple of frozen bars; the same tuple object cannot have changed, so its answer is
    reused (a list, which could have, is always checked again).
    """
    found = window_of(bars)
    if found is not None:
        series, start, stop = found
        invalid = series.derived("invalid_before", _invalid_before)
        return invalid[stop] == invalid[start]
    if type(bars) is not tuple:
        return _all_valid(bars)
    key = id(bars)
    seen = _checked.get(key)
    if seen is not None and seen[0] is bars:
        return seen[1]
    answer = _all_valid(bars)
    if len(_checked) >= _CHECKED_KEPT:
        _checked.clear()
    _checked[key] = (bars, answer)
    return answer


def sma(values: Sequence[float], window: int) -> float | None:
    if window <= 0 or len(values) < window:
        return None
    return sum(values[-window:]) / window


def ema(values: Sequence[float], window: int) -> float | None:
    if window <= 0 or len(values) < window:
        return None
    alpha = 2.0 / (window + 1)
    value = sum(values[:window]) / window
    for price in values[window:]:
        value = alpha * price + (1 - alpha) * value
    return value


def stdev(values: Sequence[float], window: int) -> float | None:
    mean = sma(values, window)
    if mean is None or window < 2:
        return None
    tail = values[-window:]
    return math.sqrt(sum((v - mean) ** 2 for v in tail) / (window - 1))


def zscore(values: Sequence[float], window: int) -> float | None:
    """Distance of the last value from its rolling mean, in rolling standard deviations."""
    mean = sma(values, window)
    sd = stdev(values, window)
    if mean is None or sd is None or sd == 0:
        return None
    return (values[-1] - mean) / sd


def rate_of_change(values: Sequence[float], lookback: int) -> float | None:
    if lookback <= 0 or len(values) <= lookback or values[-1 - lookback] == 0:
        return None
    return values[-1] / values[-1 - lookback] - 1.0


def rsi(values: Sequence[float], window: int = 14) -> float | None:
    """Wilder's relative strength index in [0, 100].

    Wilder's smoothing: the first average gain and loss are the simple means of the first
    ``window`` changes, then each later change is folded in as ``avg = (avg * (n - 1) + x) / n``
    over the whole series (what ``ta.momentum.RSIIndicator`` computes, checked in a test). A plain
    mean of the last ``window`` changes forgets everything older and reads noisier.
    """
    if len(values) <= window:
        return None
    changes = [cur - prev for prev, cur in pairwise(values)]
    # ``0.0 if c < 0.0 else c`` is exactly ``max(c, 0.0)`` (a NaN and a -0.0 stay as they are),
    # without a call per change: this runs for every ticker at every session of a backtest.
    ups = [0.0 if c < 0.0 else c for c in changes]
    downs = [0.0 if -c < 0.0 else -c for c in changes]
    gain = sum(ups[:window]) / window
    loss = sum(downs[:window]) / window
    keep = window - 1
    for up, down in zip(ups[window:], downs[window:], strict=True):
        gain = (gain * keep + up) / window
        loss = (loss * keep + down) / window
    if loss == 0:
        return 100.0 if gain > 0 else 50.0
    return 100.0 - 100.0 / (1.0 + gain / loss)


def _true_range(prev: Bar, cur: Bar) -> float:
    return max(cur.high - cur.low, abs(cur.high - prev.close), abs(cur.low - prev.close))


def _true_ranges(bars: Sequence[Bar]) -> list[float]:
    """``[k]``: bar ``k``'s true range against bar ``k - 1`` (``[0]`` has no prior bar: NaN)."""
    return [math.nan, *(_true_range(p, c) for p, c in pairwise(bars))]


def atr(bars: Sequence[Bar], window: int = 14) -> float | None:
    """Average true range over the last ``window`` bars."""
    if len(bars) <= window:
        return None
    found = window_of(bars)
    if found is not None:
        series, _, stop = found
        # the window holds the bar before its last ``window``, so no NaN is in this slice
        return sum(series.derived("true_ranges", _true_ranges)[stop - window : stop]) / window
    ranges = [
        _true_range(prev, cur)
        for prev, cur in zip(bars[-window - 1 : -1], bars[-window:], strict=True)
    ]
    return sum(ranges) / window
