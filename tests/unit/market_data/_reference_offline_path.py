"""The scalar offline-path generator as it was before vectorising (issue 12), kept verbatim.

Why keep it: the vectorised synthesis in ``tools.market_data._offline_path`` must give the same
bits, and this is the specification it is checked against (same draws, same order, same
arithmetic). Only imports and this docstring were added.
"""

from __future__ import annotations

import math
import random
from array import array
from dataclasses import dataclass

from tools.market_data._synthetic import seeded_rng
from tools.market_data.offline import OFFLINE_EPOCH
from tools.market_data.sessions import nyse_sessions


@dataclass(frozen=True, slots=True)
class _Regime:
    kind: str
    """One of trend_up, trend_down, range, chop, squeeze."""
    length: int
    """Sessions it lasts."""
    drift: float
    """Daily log drift."""
    vol: float
    """Daily log volatility."""


_REGIME_KINDS = ("trend_up", "trend_down", "range", "chop", "squeeze", "trend_up")


def _draw_regime(rng: random.Random, base_vol: float) -> _Regime:
    kind = _REGIME_KINDS[int(rng.random() * len(_REGIME_KINDS))]
    length = 30 + int(rng.random() * 90)
    if kind == "trend_up":
        return _Regime(kind, length, 0.0008 + 0.0012 * rng.random(), base_vol * 0.8)
    if kind == "trend_down":
        return _Regime(kind, length, -(0.0008 + 0.0012 * rng.random()), base_vol * 1.1)
    if kind == "range":
        return _Regime(kind, length, 0.0, base_vol * 0.9)
    if kind == "chop":
        return _Regime(kind, length, 0.0, base_vol * 1.8)
    return _Regime(kind, length, 0.0, base_vol * 0.4)


def reference_synthesise(seed: int, ticker: str) -> tuple[array[float], list[str]]:
    """Raw OHLCV values (five per session) and regime kinds from the epoch on.

    The per-session bar and ``normal`` are written out with local names inside the loop (same
    draws in the same order, same arithmetic, bit-identical to the earlier helper functions):
    the calls were most of the cost.
    """
    rng = seeded_rng("offline-path", seed, ticker)
    rnd = rng.random
    log, sqrt, cos, exp, copysign = math.log, math.sqrt, math.cos, math.exp, math.copysign
    two_pi = 2.0 * math.pi
    table = nyse_sessions()
    start = table.days.index(OFFLINE_EPOCH)
    anchor = log(20.0 + 380.0 * rnd())
    base_vol = 0.012 + 0.014 * rnd()
    base_volume = 2e6 + 6e7 * rnd()
    log_price, close = anchor, exp(anchor)
    ohlcv: array[float] = array("d")
    push = ohlcv.extend
    kinds: list[str] = []
    regime, left, level = _draw_regime(rng, base_vol), 0, anchor
    for _ in range(start, len(table.days)):
        if left <= 0:
            regime = _draw_regime(rng, base_vol)
            left, level = regime.length, log_price
        left -= 1
        vol, kind = regime.vol, regime.kind
        shock = vol * (sqrt(-2.0 * log(max(rnd(), 1e-12))) * cos(two_pi * rnd()))
        pull = -0.004 * (log_price - anchor)  # keeps decades of drift at realistic levels
        if kind == "range":
            pull += -0.12 * (log_price - level)
        if kind == "squeeze" and left == 0:
            squeeze = sqrt(-2.0 * log(max(rnd(), 1e-12))) * cos(two_pi * rnd())
            shock += copysign(6.0 * base_vol, squeeze + 0.3)
        step = regime.drift + pull + shock
        # the session's bar: gap, close, wicks and volume, in the historical draw order
        gap = 0.25 * vol * (sqrt(-2.0 * log(max(rnd(), 1e-12))) * cos(two_pi * rnd()))
        open_ = max(close * exp(gap), 1.0)
        close = max(close * exp(step), 1.0)
        spread_up = abs(sqrt(-2.0 * log(max(rnd(), 1e-12))) * cos(two_pi * rnd())) * vol * 0.6
        spread_dn = abs(sqrt(-2.0 * log(max(rnd(), 1e-12))) * cos(two_pi * rnd())) * vol * 0.6
        open_, close = round(open_, 2), round(close, 2)
        high = round(max(open_, close) * (1.0 + spread_up), 2)
        low = round(max(min(open_, close) * (1.0 - spread_dn), 0.5), 2)
        high, low = max(high, open_, close), min(low, open_, close)
        surprise = abs(step) / max(vol, 1e-6)
        noise = sqrt(-2.0 * log(max(rnd(), 1e-12))) * cos(two_pi * rnd())
        volume = float(round(base_volume * exp(0.3 * noise) * (1.0 + 0.5 * surprise)))
        push((open_, high, low, close, volume))
        log_price = log(close)
        kinds.append(kind)
    return ohlcv, kinds
