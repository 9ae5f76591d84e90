"""The point-in-time market snapshot every node after ``load_context`` reads.

Why defensive: the snapshot is the last place a provider's mistake can be caught before it drives
an order. Records dated after ``as_of`` are dropped *and* flagged (a provider that leaks the future
is broken, so the ticker is marked untradable); a provider failure for one ticker becomes that
ticker's ``NO_BARS`` issue with the error text, never an exception that loses the other tickers
and never a silently empty entry.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from operator import attrgetter
from typing import TypeVar

from domain import Bar, DataIssue, DataQuality, MarketSnapshot, TickerData
from tools.market_data.composite import DataKind, SourceAttributing
from tools.market_data.provider import MarketDataProvider
from tools.market_data.quality import Finding, assess, check_future_dated
from tools.market_data.sessions import NEW_YORK, nyse_sessions

__all__ = ["build_snapshot", "build_ticker_data"]

T = TypeVar("T")


def _attempt(label: str, call: Callable[[], list[T]], notes: list[str]) -> list[T] | None:
    """Run one provider call; on failure record ``label: error`` in ``notes`` and return None."""
    try:
        return call()
    except Exception as exc:  # recorded in the ticker's quality detail, never swallowed
        notes.append(f"{label} unavailable: {type(exc).__name__}: {exc}")
        return None


_SNAPSHOT_KINDS = (DataKind.BARS, DataKind.METRICS, DataKind.NEWS, DataKind.INSIDER_TRADES)


def _fallback_notes(provider: MarketDataProvider, ticker: str) -> list[str]:
    """One note per kind that a fallback chain answered only after earlier sources failed."""
    if not isinstance(provider, SourceAttributing):
        return []
    notes = []
    for kind in _SNAPSHOT_KINDS:
        failed = provider.failed_before(kind, ticker)
        if failed:
            by = provider.answered_by(kind, ticker)
            notes.append(f"{kind.value} answered by {by} after: {'; '.join(failed)}")
    return notes


def _source(provider: MarketDataProvider, ticker: str) -> str:
    if isinstance(provider, SourceAttributing):
        names = [provider.answered_by(kind, ticker) for kind in _SNAPSHOT_KINDS]
        unique = list(dict.fromkeys(n for n in names if n))
        if unique:
            return ",".join(unique)
    return provider.name


_TS = attrgetter("ts")


def _close_of(bar: Bar) -> datetime:
    return nyse_sessions().close_at(bar.ts.astimezone(NEW_YORK).date())


def _split_per_bar(bars: Sequence[Bar], *, as_of: datetime) -> tuple[list[Bar], list[Bar]]:
    """``_split`` by looking up every bar's close (the definition ``_split`` must equal)."""
    public = sorted((b for b in bars if _close_of(b) <= as_of), key=lambda b: b.ts)
    return public, [b for b in bars if _close_of(b) > as_of]


def _split(bars: Sequence[Bar], *, as_of: datetime) -> tuple[list[Bar], list[Bar]]:
    """(the bars whose session had closed by ``as_of``, oldest first; the others, as given).

    Why sort first and then bisect: a bar's close instant only grows with its timestamp (a later
    New York date closes later; a non-session date reads as 16:00 that day), so once sorted the
    public bars are a prefix, found with a few close look-ups instead of one per bar (this ran
    at every session of a backtest, for every bar of the 400-day window), and a bar is late
    exactly when its timestamp is at or after the first late one's. The same bars as looking up
    each one's close, in the same order (the sort is stable); timestamps that cannot be sorted
    together (naive beside aware) are looked up bar by bar, as before.
    """
    try:
        ordered = sorted(bars, key=_TS)
    except TypeError:
        return _split_per_bar(bars, as_of=as_of)
    end = bisect_right(ordered, as_of, key=_close_of)
    if end == len(ordered):
        return ordered, []
    first_late = ordered[end].ts
    del ordered[end:]
    return ordered, [b for b in bars if b.ts >= first_late]


def build_ticker_data(
    provider: MarketDataProvider, ticker: str, *, as_of: datetime, lookback_days: int = 400
) -> TickerData:
    """One ticker's point-in-time data and its quality verdict."""
    start = as_of.astimezone(NEW_YORK).date() - timedelta(days=lookback_days)
    notes: list[str] = []
    extra: list[Finding] = []
    bars = _attempt("bars", lambda: provider.bars(ticker, start=start, as_of=as_of), notes)
    if bars is None:
        extra.append((DataIssue.NO_BARS, notes.pop()))
        bars = []
    metrics = _attempt("metrics", lambda: provider.financial_metrics(ticker, as_of=as_of), notes)
    news = _attempt("news", lambda: provider.news(ticker, as_of=as_of), notes)
    insider = _attempt(
        "insider_trades", lambda: provider.insider_trades(ticker, as_of=as_of), notes
    )
    notes.extend(_fallback_notes(provider, ticker))
    public_bars, late_bars = _split(bars, as_of=as_of)
    leak = check_future_dated(  # the late bars alone: the others cannot leak
        as_of=as_of,
        bars=late_bars,
        metrics=metrics or (),
        news=news or (),
        insider_trades=insider or (),
    )
    if leak is not None:
        extra.append(leak)
    return TickerData(
        ticker=ticker,
        bars=tuple(public_bars),
        metrics=tuple(m for m in metrics or () if m.available_at <= as_of),
        news=tuple(n for n in news or () if n.published_at <= as_of),
        insider_trades=tuple(t for t in insider or () if t.available_at <= as_of),
        quality=assess(public_bars, as_of=as_of, extra=extra, notes=notes),
        source=_source(provider, ticker),
    )


def _safe_ticker_data(
    provider: MarketDataProvider, ticker: str, *, as_of: datetime, lookback_days: int
) -> TickerData:
    """``build_ticker_data``, with any unexpected failure recorded on the ticker, not raised."""
    try:
        return build_ticker_data(provider, ticker, as_of=as_of, lookback_days=lookback_days)
    except Exception as exc:  # recorded as NO_BARS with the reason; other tickers go on
        detail = f"no_bars: snapshot failed: {type(exc).__name__}: {exc}"
        return TickerData(
            ticker=ticker,
            quality=DataQuality(issues=(DataIssue.NO_BARS,), detail=(detail,)),
            source=provider.name,
        )


def build_snapshot(
    provider: MarketDataProvider,
    tickers: Sequence[str],
    *,
    as_of: datetime,
    lookback_days: int = 400,
    max_workers: int = 4,
) -> MarketSnapshot:
    """Snapshot of ``tickers`` as of ``as_of``; tickers are fetched concurrently.

    ``max_workers`` bounds concurrent provider calls (network providers are I/O bound; the
    offline provider is fast either way). A provider whose ``answers_from_memory`` is ``True``
    (the backtest's preloaded bars) is read ticker by ticker, in this thread.
    """
    if as_of.tzinfo is None:
        raise ValueError("as_of must be timezone-aware")
    unique = list(dict.fromkeys(tickers))
    workers = max(1, min(max_workers, len(unique)))

    def one(ticker: str) -> TickerData:
        return _safe_ticker_data(provider, ticker, as_of=as_of, lookback_days=lookback_days)

    if getattr(provider, "answers_from_memory", False) is True:
        # Threads only pay for waiting on I/O; over data already in memory they cost a thread
        # start per ticker and contention on the interpreter lock (a backtest's every session).
        data = [one(t) for t in unique]
    else:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="snapshot") as pool:
            data = list(pool.map(one, unique))
    return MarketSnapshot(as_of=as_of, tickers={d.ticker: d for d in data})
