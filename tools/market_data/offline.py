"""A deterministic synthetic market: the embedded default when no data vendor is configured.

Why synthetic instead of bundled files: the product must run with no keys and no downloads, and
every strategy (momentum, mean reversion, trend, breakout) needs to see its setup somewhere in a
three-ticker demo. Each ticker's path is a chain of regimes (trend up, trend down, mean-reverting
range, volatile chop, quiet squeeze then breakout) drawn from ``(seed, ticker)``.

Determinism: every number comes from ``random.Random(seed)`` fed by SHA-256 of the inputs, and only
``Random.random()`` is used (the one stream Python guarantees across versions), with our own
Box-Muller for normals. The price path is anchored at a fixed epoch (2000-01-03) on XNYS sessions
(``sessions.nyse_sessions``), so a day's bar never depends on the ``as_of`` it was asked at.
"""

from __future__ import annotations

import math
import random
import sys
from array import array
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from domain import Bar, FinancialMetrics, InsiderTrade, NewsItem
from tools.market_data import _synthetic
from tools.market_data._offline_events import insider_trades_for_week, news_for_session
from tools.market_data._offline_fundamentals import quarterly_metrics
from tools.market_data._offline_path_cache import PathCache
from tools.market_data._synthetic import seeded_rng
from tools.market_data.sessions import NEW_YORK, nyse_sessions

__all__ = ["OFFLINE_EPOCH", "OfflineMarketData"]

OFFLINE_EPOCH = date(2000, 1, 3)
"""First synthetic session; every ticker's path starts here."""


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


@dataclass(frozen=True, slots=True)
class _Path:
    days: tuple[date, ...]
    opens: tuple[datetime, ...]
    """Session open instants (the bars' ``ts``)."""
    ohlcv: array[float]
    """Raw bar values, five per session (compact: about 0.4 MB per ticker); ``Bar`` objects are
    built only for the slice a caller asks for."""
    closes: array[float]
    regimes: tuple[str, ...]
    """Regime kind of each session (for tests and documentation of the setups)."""


@lru_cache(maxsize=1024)
def _price_path(seed: int, ticker: str, cache_dir: Path | None = None) -> _Path:
    """The full synthetic path for one ticker, epoch through the end of the calendar window.

    Computed once per process per ticker, and with ``cache_dir`` once per home: later processes
    read the raw arrays back (``_offline_path_cache``) instead of synthesising them again.
    """
    table = nyse_sessions()
    start = table.days.index(OFFLINE_EPOCH)
    if cache_dir is None:
        ohlcv, kinds = _synthesise(seed, ticker)
    else:
        cache = PathCache(cache_dir, sys.modules[__name__], _synthetic)
        ohlcv, kinds = cache.get_or_build(
            seed, ticker, len(table.days) - start, lambda: _synthesise(seed, ticker)
        )
    return _Path(
        days=table.days[start:],
        opens=table.opens[start:],
        ohlcv=ohlcv,
        closes=array("d", ohlcv[3::5]),
        regimes=tuple(kinds),
    )


def _synthesise(seed: int, ticker: str) -> tuple[array[float], list[str]]:
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


class OfflineMarketData:
    """``MarketDataProvider`` over the synthetic market; any ticker string works.

    ``history_days`` is how far back (calendar days before ``as_of``) the provider serves bars,
    news and insider trades, like a vendor plan's history limit; the path itself is fixed.
    """

    name = "offline"

    def __init__(
        self, *, seed: int = 7, history_days: int = 420, cache_dir: Path | None = None
    ) -> None:
        """``cache_dir``: where synthesised paths are kept across processes (none: memory only)."""
        if history_days < 1:
            raise ValueError("history_days must be positive")
        self.seed = seed
        self.history_days = history_days
        self.cache_dir = cache_dir

    def _horizon(self, as_of: datetime) -> date:
        return as_of.astimezone(NEW_YORK).date() - timedelta(days=self.history_days)

    def bars(self, ticker: str, *, start: date, as_of: datetime) -> list[Bar]:
        """Bars from ``start`` through the last session closed at ``as_of``."""
        _require_aware(as_of)
        path = _price_path(self.seed, ticker.upper(), self.cache_dir)
        last = nyse_sessions().last_closed(as_of)
        if last is None:
            return []
        first = max(start, self._horizon(as_of), OFFLINE_EPOCH)
        lo, hi = bisect_left(path.days, first), bisect_right(path.days, last)
        raw = path.ohlcv
        return [
            Bar(
                ts=path.opens[i],
                open=raw[5 * i],
                high=raw[5 * i + 1],
                low=raw[5 * i + 2],
                close=raw[5 * i + 3],
                volume=raw[5 * i + 4],
            )
            for i in range(lo, hi)
        ]

    def regime_on(self, ticker: str, day: date) -> str:
        """Which regime drove ``ticker`` on ``day`` (documents the setups; used in tests)."""
        path = _price_path(self.seed, ticker.upper(), self.cache_dir)
        return path.regimes[path.days.index(day)]

    def financial_metrics(
        self, ticker: str, *, as_of: datetime, limit: int = 8
    ) -> list[FinancialMetrics]:
        """Quarterly TTM metrics, most recent first, only those filed at or before ``as_of``."""
        _require_aware(as_of)
        path = _price_path(self.seed, ticker.upper(), self.cache_dir)
        return quarterly_metrics(self.seed, ticker.upper(), path.days, path.closes, as_of, limit)

    def news(self, ticker: str, *, as_of: datetime, limit: int = 50) -> list[NewsItem]:
        """Headlines with sentiment, most recent first, published at or before ``as_of``."""
        _require_aware(as_of)
        path = _price_path(self.seed, ticker.upper(), self.cache_dir)
        items: list[NewsItem] = []
        i = bisect_right(path.days, as_of.astimezone(NEW_YORK).date()) - 1
        horizon = self._horizon(as_of)
        while i > 0 and len(items) < limit and path.days[i] >= horizon:
            day_items = news_for_session(
                self.seed, ticker.upper(), path.days[i], path.closes[i - 1], path.closes[i]
            )
            items.extend(n for n in day_items if n.published_at <= as_of)
            i -= 1
        return items[:limit]

    def insider_trades(
        self, ticker: str, *, as_of: datetime, limit: int = 50
    ) -> list[InsiderTrade]:
        """Form-4 style trades, most recent filing first, filed at or before ``as_of``."""
        _require_aware(as_of)
        path = _price_path(self.seed, ticker.upper(), self.cache_dir)
        trades: list[InsiderTrade] = []
        local = as_of.astimezone(NEW_YORK).date()
        monday = local - timedelta(days=local.weekday())
        horizon = self._horizon(as_of)
        extra_weeks = 1  # filings lag trades, so one more week keeps the newest-first order exact
        while monday >= max(horizon, OFFLINE_EPOCH) and (len(trades) < limit or extra_weeks):
            if len(trades) >= limit:
                extra_weeks -= 1
            week = insider_trades_for_week(
                self.seed, ticker.upper(), monday, path.days, path.closes
            )
            trades.extend(t for t in week if t.available_at <= as_of)
            monday -= timedelta(days=7)
        trades.sort(key=lambda t: t.available_at, reverse=True)
        return trades[:limit]


def _require_aware(as_of: datetime) -> None:
    if as_of.tzinfo is None:
        raise ValueError("as_of must be timezone-aware")
