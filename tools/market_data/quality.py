"""Data-quality checks that decide whether a ticker's data can be traded on.

Why here and not in the gate: the gate is pure and sees only the verdict; the checks need the XNYS
calendar and the raw records. Each check is a small named function returning the issue it found
(or nothing) plus a human-readable detail, so an operator sees *why* a ticker was refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from domain import Bar, DataIssue, DataQuality, FinancialMetrics, InsiderTrade, NewsItem
from tools.market_data.sessions import CALENDAR_FIRST, CALENDAR_LAST, NEW_YORK, nyse_sessions

__all__ = [
    "Finding",
    "assess",
    "check_future_dated",
    "check_missing_sessions",
    "check_ohlc",
    "check_positive_prices",
    "check_stale_last_bar",
]

Finding = tuple[DataIssue, str]
"""An issue and the detail that explains it."""

_EPS = 1e-9


def _bar_day(bar: Bar) -> date:
    return bar.ts.astimezone(NEW_YORK).date()


def check_missing_sessions(bars: Sequence[Bar], *, max_missing: int = 0) -> Finding | None:
    """XNYS sessions between the first and last bar that have no bar."""
    if len(bars) < 2:
        return None
    have = {_bar_day(b) for b in bars}
    first = max(_bar_day(bars[0]), CALENDAR_FIRST)
    last = min(_bar_day(bars[-1]), CALENDAR_LAST)
    expected = nyse_sessions().between(first, last) if first <= last else []
    missing = [d for d in expected if d not in have]
    if len(missing) <= max_missing:
        return None
    shown = ", ".join(d.isoformat() for d in missing[:5])
    more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
    return DataIssue.MISSING_SESSIONS, f"{len(missing)} missing session(s): {shown}{more}"


def check_ohlc(bars: Sequence[Bar]) -> Finding | None:
    """Low above open/close, high below them, or low above high."""
    bad = [
        b
        for b in bars
        if b.low > min(b.open, b.close) + _EPS
        or b.high < max(b.open, b.close) - _EPS
        or b.low > b.high + _EPS
    ]
    if not bad:
        return None
    days = ", ".join(_bar_day(b).isoformat() for b in bad[:5])
    return DataIssue.OHLC_VIOLATION, f"{len(bad)} bar(s) with inconsistent OHLC: {days}"


def check_positive_prices(bars: Sequence[Bar]) -> Finding | None:
    """Any price at or below zero, or a negative volume."""
    bad = [b for b in bars if min(b.open, b.high, b.low, b.close) <= 0 or b.volume < 0]
    if not bad:
        return None
    days = ", ".join(_bar_day(b).isoformat() for b in bad[:5])
    return DataIssue.NON_POSITIVE_PRICE, f"{len(bad)} bar(s) with non-positive price: {days}"


def check_stale_last_bar(
    bars: Sequence[Bar], *, as_of: datetime, max_lag_sessions: int = 1
) -> Finding | None:
    """The last bar is more than ``max_lag_sessions`` sessions behind the last closed session.

    One session of lag is tolerated by default because vendors publish the daily bar some time
    after the close; anything older means the data feed stopped.
    """
    if not bars:
        return None
    table = nyse_sessions()
    last_closed = table.last_closed(as_of)
    last_bar = _bar_day(bars[-1])
    if last_closed is None or last_bar >= last_closed:
        return None
    lag = len(table.between(max(last_bar, CALENDAR_FIRST), last_closed)) - 1
    if lag <= max_lag_sessions:
        return None
    return (
        DataIssue.STALE_LAST_BAR,
        f"last bar {last_bar} is {lag} session(s) behind {last_closed} (as of {as_of.isoformat()})",
    )


def check_future_dated(
    *,
    as_of: datetime,
    bars: Iterable[Bar] = (),
    metrics: Iterable[FinancialMetrics] = (),
    news: Iterable[NewsItem] = (),
    insider_trades: Iterable[InsiderTrade] = (),
) -> Finding | None:
    """Records that were not public at ``as_of`` (a point-in-time leak by the provider)."""
    table = nyse_sessions()
    leaks = [f"bar {_bar_day(b)}" for b in bars if table.close_at(_bar_day(b)) > as_of]
    leaks += [f"metrics {m.report_period}" for m in metrics if m.available_at > as_of]
    leaks += [f"news {n.published_at.isoformat()}" for n in news if n.published_at > as_of]
    leaks += [
        f"insider {t.available_at.isoformat()}" for t in insider_trades if t.available_at > as_of
    ]
    if not leaks:
        return None
    return (
        DataIssue.FUTURE_DATED,
        f"{len(leaks)} record(s) after as_of dropped: {', '.join(leaks[:5])}",
    )


def assess(
    bars: Sequence[Bar],
    *,
    as_of: datetime,
    extra: Iterable[Finding] = (),
    notes: Iterable[str] = (),
    max_lag_sessions: int = 1,
) -> DataQuality:
    """Run every bar check; ``extra`` findings (e.g. a leak) and ``notes`` are merged in."""
    findings: list[Finding] = list(extra)
    if not bars and all(issue is not DataIssue.NO_BARS for issue, _ in findings):
        findings.append((DataIssue.NO_BARS, "provider returned no bars"))
    for found in (
        check_missing_sessions(bars),
        check_ohlc(bars),
        check_positive_prices(bars),
        check_stale_last_bar(bars, as_of=as_of, max_lag_sessions=max_lag_sessions),
    ):
        if found is not None:
            findings.append(found)
    issues: list[DataIssue] = []
    for issue, _ in findings:
        if issue not in issues:
            issues.append(issue)
    detail = tuple(f"{issue.value}: {text}" for issue, text in findings) + tuple(notes)
    return DataQuality(issues=tuple(issues), detail=detail)
