"""One ticker's synthetic OHLCV path, computed a whole array at a time, bit-for-bit the scalar one.

Why: the offline market drew every bar in a Python loop (about 77 ms a ticker, most of a fresh
100-ticker cycle). The path is pinned by golden decisions, so this computes the *same bits* from
the same ``random.Random`` stream, only in bulk:

1. The uniforms: numpy's MT19937 is loaded with ``random.Random``'s state, and
   ``Generator.random`` builds each double from two 32-bit outputs exactly as ``random.random``
   does (``a >> 5``, ``b >> 6``, 53 bits), so one call yields the whole stream.
2. Where each bar's draws sit does not depend on prices: regimes (kind, length) come from the
   stream alone, so one pass over the regimes (about 80 per path, not 6,000 sessions) lays out
   every bar's offsets.
3. ``log``, ``cos`` and ``exp`` go through ``math`` (the C library, as before), mapped over
   lists: numpy's SIMD versions may differ in the last bit. ``sqrt``, ``+``, ``*``, ``/``,
   ``abs``, ``copysign``, ``rint`` are exact IEEE operations in both.
4. ``round(x, 2)`` is a correctly rounded decimal; ``rint(x * 100) / 100`` is the same double
   except where ``x * 100`` lies within rounding error of a half cent, and those are redone
   with ``round``.
5. The closes stay a loop (each close is rounded and feeds the next day's mean-reversion pull),
   a tight one of one ``exp``, ``round`` and ``log`` per session; everything else follows from
   the closes in bulk.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = ["REGIME_KINDS", "synthesise_path"]

REGIME_KINDS = ("trend_up", "trend_down", "range", "chop", "squeeze")
"""Regime kinds; a path's ``kinds`` are indexes into this tuple."""

_DRAWN_KINDS = (0, 1, 2, 3, 4, 0)
"""What one draw picks, in the generator's historical order (trend up is listed twice)."""
_VOL_SCALE = (0.8, 1.1, 0.9, 1.8, 0.4)
"""Daily volatility of each kind, as a multiple of the ticker's base volatility."""
_TREND_UP, _TREND_DOWN, _RANGE, _SQUEEZE = 0, 1, 2, 4
_DRAWS_PER_BAR = 10
"""Five normals a session: shock, gap, upper wick, lower wick, volume noise."""
_TWO_PI = 2.0 * math.pi

Floats = npt.NDArray[np.float64]


def _uniforms(rng: random.Random, count: int) -> Floats:
    """The next ``count`` values ``rng.random()`` would return, in one numpy call."""
    _, state, _ = rng.getstate()
    bits = np.random.MT19937()
    bits.state = {
        "bit_generator": "MT19937",
        "state": {"key": np.array(state[:624], dtype=np.uint32), "pos": state[624]},
    }
    return np.random.Generator(bits).random(count)


def _normals(first: Floats, second: Floats) -> Floats:
    """Box-Muller normals, as ``_synthetic.normal`` computes them, for pairs of uniforms."""
    logs = np.fromiter(map(math.log, np.maximum(first, 1e-12).tolist()), np.float64, first.size)
    cosines = np.fromiter(map(math.cos, (_TWO_PI * second).tolist()), np.float64, second.size)
    normals: Floats = np.sqrt(-2.0 * logs) * cosines
    return normals


def _exp(values: Floats) -> Floats:
    return np.fromiter(map(math.exp, values.tolist()), np.float64, values.size)


def _round_cents(values: Floats) -> Floats:
    """``round(v, 2)`` for every value (see the module docstring, point 4)."""
    scaled = values * 100.0
    rounded: Floats = np.rint(scaled) / 100.0
    near_half = np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6
    for i in np.flatnonzero(near_half).tolist():
        rounded[i] = round(float(values[i]), 2)
    return rounded


class _Layout:
    """Per-session regime parameters and where each session's draws start in the stream."""

    def __init__(self, uniforms: Floats, sessions: int, base_vol: float) -> None:
        u = uniforms
        self.offset = np.empty(sessions, dtype=np.int64)
        self.vol = np.empty(sessions)
        self.kind = np.empty(sessions, dtype=np.uint8)
        self.squeeze_end = np.zeros(sessions, dtype=bool)
        self.regimes: list[tuple[int, int, float, bool]] = []
        """(first session, end session, daily drift, mean-reverting) of each regime."""
        _, _, _, pos = self._draw(u, 3, base_vol)  # drawn before the first session, then replaced
        start = 0
        while start < sessions:
            kind, length, drift, pos = self._draw(u, pos, base_vol)
            end = min(start + length, sessions)
            count = end - start
            self.offset[start:end] = pos + _DRAWS_PER_BAR * np.arange(count)
            self.vol[start:end] = base_vol * _VOL_SCALE[kind]
            self.kind[start:end] = kind
            pos += _DRAWS_PER_BAR * count
            if kind == _SQUEEZE and count == length:  # the breakout draws one more normal
                self.squeeze_end[end - 1] = True
                pos += 2
            self.regimes.append((start, end, drift, kind == _RANGE))
            start = end
        self.draws = pos

    @staticmethod
    def _draw(u: Floats, pos: int, base_vol: float) -> tuple[int, int, float, int]:
        """One regime as ``offline._draw_regime`` drew it: kind, length, drift, next position."""
        kind = _DRAWN_KINDS[int(float(u[pos]) * len(_DRAWN_KINDS))]
        length = 30 + int(float(u[pos + 1]) * 90)
        if kind == _TREND_UP:
            return kind, length, 0.0008 + 0.0012 * float(u[pos + 2]), pos + 3
        if kind == _TREND_DOWN:
            return kind, length, -(0.0008 + 0.0012 * float(u[pos + 2])), pos + 3
        return kind, length, 0.0, pos + 2


def _close_chain(
    regimes: Sequence[tuple[int, int, float, bool]], shocks: list[float], anchor: float
) -> tuple[list[float], list[float]]:
    """Closes and log steps: the one sequential part of the path (kept lean: it is the cost)."""
    log, exp = math.log, math.exp
    log_price, close = anchor, exp(anchor)
    closes: list[float] = []
    steps: list[float] = []
    for start, end, drift, ranging in regimes:
        level = log_price
        for t in range(start, end):
            pull = -0.004 * (log_price - anchor)  # keeps decades of drift at realistic levels
            if ranging:
                pull += -0.12 * (log_price - level)
            step = drift + pull + shocks[t]
            moved = close * exp(step)
            close = round(moved if moved >= 1.0 else 1.0, 2)  # max(moved, 1.0), without a call
            closes.append(close)
            steps.append(step)
            log_price = log(close)
    return closes, steps


def synthesise_path(
    rng: random.Random, sessions: int, *, detail_from: int = 0
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.uint8]]:
    """The first ``sessions`` bars (rows of open, high, low, close, volume) and regime kinds.

    Every close is computed (each feeds the next), but open, high, low and volume only from
    session ``detail_from`` on; earlier rows hold NaN there. Why: a cycle serves about a year of
    bars, and those four columns are four of the five normals a session costs. ``rng`` is the
    ticker's seeded generator; it is not advanced.
    """
    regimes_at_most = sessions // 30 + 2
    u = _uniforms(rng, 6 + _DRAWS_PER_BAR * sessions + 5 * regimes_at_most)
    anchor = math.log(20.0 + 380.0 * float(u[0]))
    base_vol = 0.012 + 0.014 * float(u[1])
    base_volume = 2e6 + 6e7 * float(u[2])
    lay = _Layout(u, sessions, base_vol)
    d = min(max(detail_from, 0), sessions)
    off, vol, extra = lay.offset, lay.vol, 2 * lay.squeeze_end
    at = off[lay.squeeze_end]
    pairs = [(off, off + 1), (at + 2, at + 3)]
    pairs += [(off[d:] + k + extra[d:], off[d:] + k + 1 + extra[d:]) for k in (2, 4, 6, 8)]
    normals = _normals(
        np.concatenate([u[a] for a, _ in pairs]), np.concatenate([u[b] for _, b in pairs])
    )
    cuts = np.cumsum([sessions, at.size] + [sessions - d] * 3)
    shock_n, squeeze_n, gap_n, up_n, down_n, noise_n = np.split(normals, cuts)
    shock = vol * shock_n
    shock[lay.squeeze_end] += np.copysign(6.0 * base_vol, squeeze_n + 0.3)
    closes, steps = _close_chain(lay.regimes, shock.tolist(), anchor)
    out = np.full((sessions, 5), np.nan)
    out[:, 3] = closes
    out[d:] = _detail(
        np.concatenate(([math.exp(anchor)], out[:-1, 3]))[d:],
        out[d:, 3],
        np.array(steps[d:]),
        vol[d:],
        (gap_n, up_n, down_n, noise_n),
        base_volume,
    )
    return out, lay.kind


def _detail(
    previous: Floats,
    close: Floats,
    step: Floats,
    vol: Floats,
    normals: tuple[Floats, Floats, Floats, Floats],
    base_volume: float,
) -> Floats:
    """Open, high, low, close, volume rows, given the closes and each session's normals."""
    gap_n, up_n, down_n, noise_n = normals
    open_ = _round_cents(np.maximum(previous * _exp(0.25 * vol * gap_n), 1.0))
    spread_up = np.abs(up_n) * vol * 0.6
    spread_down = np.abs(down_n) * vol * 0.6
    high = _round_cents(np.maximum(open_, close) * (1.0 + spread_up))
    low = _round_cents(np.maximum(np.minimum(open_, close) * (1.0 - spread_down), 0.5))
    high = np.maximum(np.maximum(high, open_), close)
    low = np.minimum(np.minimum(low, open_), close)
    surprise = np.abs(step) / np.maximum(vol, 1e-6)
    volume = np.rint(base_volume * _exp(0.3 * noise_n) * (1.0 + 0.5 * surprise))
    rows: Floats = np.column_stack((open_, high, low, close, volume))
    return rows
