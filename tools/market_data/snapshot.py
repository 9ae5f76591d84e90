"""The point-in-time market snapshot every node after ``load_context`` reads.

Why defensive: the snapshot is the last place a provider's mistake can be caught before it drives
an order. Records dated after ``as_of`` are dropped *and* flagged (a provider that leaks the future
is broken, so the ticker is marked untradable); a provider failure for one ticker becomes that
ticker's ``NO_BARS`` issue with the error text, never an exception that loses the other tickers
and never a silently empty entry.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import TypeVar

from domain import DataIssue, DataQuality, MarketSnapshot, TickerData
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


def build_ticker_data(
    provider: MarketDataProvider, ticker: str, *, as_of: datetime, lookback_days: int = 400
) -> TickerData:
    """One ticker's point-in-time data and its quality verdict."""
    table = nyse_sessions()
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
    leak = check_future_dated(
        as_of=as_of, bars=bars, metrics=metrics or (), news=news or (), insider_trades=insider or ()
    )
    if leak is not None:
        extra.append(leak)
    public_bars = sorted(
        (b for b in bars if table.close_at(b.ts.astimezone(NEW_YORK).date()) <= as_of),
        key=lambda b: b.ts,
    )
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
    offline provider is fast either way).
    """
    if as_of.tzinfo is None:
        raise ValueError("as_of must be timezone-aware")
    unique = list(dict.fromkeys(tickers))
    workers = max(1, min(max_workers, len(unique)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="snapshot") as pool:
        data = list(
            pool.map(
                lambda t: _safe_ticker_data(provider, t, as_of=as_of, lookback_days=lookback_days),
                unique,
            )
        )
    return MarketSnapshot(as_of=as_of, tickers={d.ticker: d for d in data})
