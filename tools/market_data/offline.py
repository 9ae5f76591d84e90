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

import sys
from array import array
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from domain import Bar, FinancialMetrics, InsiderTrade, NewsItem
from tools.market_data import _offline_path, _synthetic
from tools.market_data._offline_events import insider_trades_for_week, news_for_session
from tools.market_data._offline_fundamentals import quarterly_metrics
from tools.market_data._offline_path import REGIME_KINDS, synthesise_path
from tools.market_data._offline_path_cache import PathCache
from tools.market_data._synthetic import seeded_rng
from tools.market_data.sessions import NEW_YORK, nyse_sessions

__all__ = ["OFFLINE_EPOCH", "OfflineMarketData"]

OFFLINE_EPOCH = date(2000, 1, 3)
"""First synthetic session; every ticker's path starts here."""


_READ_AHEAD = timedelta(days=7)
"""How far past ``as_of`` the provider reads the path: the insider week of ``as_of`` runs to its
Friday (trades dated later are drawn, then dropped as not yet filed)."""


@dataclass(frozen=True, slots=True)
class _Path:
    days: tuple[date, ...]
    opens: tuple[datetime, ...]
    """Session open instants (the bars' ``ts``)."""
    ohlcv: array[float]
    """Raw bar values, five per session (compact: about 0.4 MB per ticker); ``Bar`` objects are
    built only for the slice a caller asks for. Before ``detail_from`` only the close is set."""
    closes: array[float]
    regimes: bytes
    """Regime of each session, as an index into ``REGIME_KINDS`` (for tests and documentation
    of the setups)."""
    detail_from: int
    """First session with open, high, low and volume (earlier ones are never served)."""


def _session_index(day: date) -> int:
    """How many sessions from the epoch come before ``day``."""
    table = nyse_sessions()
    return bisect_left(table.days, day) - table.days.index(OFFLINE_EPOCH)


def _path_for(
    seed: int, ticker: str, cache_dir: Path | None, *, through: date, bars_from: date
) -> _Path:
    """A path covering closes to ``through`` and full bars from ``bars_from``.

    Why whole years: the path is synthesised only as far as it is read (a 2025 cycle needs 62 %
    of the 2000..2040 window, and full bars for one year of it), and a backtest stepping day by
    day builds a new one once a year, not daily. Bars never depend on how far the path goes.
    """
    end = _session_index(date(max(through.year, OFFLINE_EPOCH.year) + 1, 1, 1))
    detail = max(0, _session_index(date(bars_from.year, 1, 1)))
    return _price_path(seed, ticker, cache_dir, end, min(detail, end))


@lru_cache(maxsize=1024)
def _price_path(
    seed: int,
    ticker: str,
    cache_dir: Path | None = None,
    sessions: int | None = None,
    detail_from: int = 0,
) -> _Path:
    """The synthetic path for one ticker: ``sessions`` sessions from the epoch (all: ``None``).

    Computed once per process per ticker and extent, and with ``cache_dir`` once per home: later
    processes read the raw arrays back (``_offline_path_cache``) instead of synthesising them.
    """
    table = nyse_sessions()
    start = table.days.index(OFFLINE_EPOCH)
    count = len(table.days) - start if sessions is None else sessions

    def build() -> tuple[array[float], bytes]:
        return _synthesise(seed, ticker, count, detail_from)

    if cache_dir is None:
        ohlcv, kinds = build()
    else:
        cache = PathCache(cache_dir, sys.modules[__name__], _synthetic, _offline_path)
        ohlcv, kinds = cache.get_or_build(seed, ticker, count, detail_from, build)
    return _Path(
        days=table.days[start : start + count],
        opens=table.opens[start : start + count],
        ohlcv=ohlcv,
        closes=array("d", ohlcv[3::5]),
        regimes=kinds,
        detail_from=detail_from,
    )


def _synthesise(
    seed: int, ticker: str, sessions: int, detail_from: int
) -> tuple[array[float], bytes]:
    """Raw OHLCV values (five per session) and regime kinds for the first ``sessions``."""
    rng = seeded_rng("offline-path", seed, ticker)
    values, kinds = synthesise_path(rng, sessions, detail_from=detail_from)
    return array("d", values.tobytes()), kinds.tobytes()


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

    def _path(self, ticker: str, as_of: datetime) -> _Path:
        """The path as far as a read at ``as_of`` looks (``_READ_AHEAD`` past it)."""
        through = as_of.astimezone(NEW_YORK).date() + _READ_AHEAD
        return _path_for(
            self.seed,
            ticker.upper(),
            self.cache_dir,
            through=through,
            bars_from=max(self._horizon(as_of), OFFLINE_EPOCH),
        )

    def _horizon(self, as_of: datetime) -> date:
        return as_of.astimezone(NEW_YORK).date() - timedelta(days=self.history_days)

    def bars(self, ticker: str, *, start: date, as_of: datetime) -> list[Bar]:
        """Bars from ``start`` through the last session closed at ``as_of``."""
        _require_aware(as_of)
        path = self._path(ticker, as_of)
        last = nyse_sessions().last_closed(as_of)
        if last is None:
            return []
        first = max(start, self._horizon(as_of), OFFLINE_EPOCH)
        lo, hi = bisect_left(path.days, first), bisect_right(path.days, last)
        if lo < path.detail_from:  # _path builds from the horizon on; a gap here is a defect
            raise RuntimeError(f"offline path for {ticker} has no bars before {first}")
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
        path = _path_for(self.seed, ticker.upper(), self.cache_dir, through=day, bars_from=day)
        return REGIME_KINDS[path.regimes[path.days.index(day)]]

    def financial_metrics(
        self, ticker: str, *, as_of: datetime, limit: int = 8
    ) -> list[FinancialMetrics]:
        """Quarterly TTM metrics, most recent first, only those filed at or before ``as_of``."""
        _require_aware(as_of)
        path = self._path(ticker, as_of)
        return quarterly_metrics(self.seed, ticker.upper(), path.days, path.closes, as_of, limit)

    def news(self, ticker: str, *, as_of: datetime, limit: int = 50) -> list[NewsItem]:
        """Headlines with sentiment, most recent first, published at or before ``as_of``."""
        _require_aware(as_of)
        path = self._path(ticker, as_of)
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
        path = self._path(ticker, as_of)
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
