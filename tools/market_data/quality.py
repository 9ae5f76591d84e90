"""Data-quality checks that decide whether a ticker's data can be traded on.

Why here and not in the gate: the gate is pure and sees only the verdict; the checks need the XNYS
calendar and the raw records. Each check is a small named function returning the issue it found
(or nothing) plus a human-readable detail, so an operator sees *why* a ticker was refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import NamedTuple

from domain import Bar, DataIssue, DataQuality, FinancialMetrics, InsiderTrade, NewsItem
from tools.market_data.bar_series import window_of
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


class _BarFacts(NamedTuple):
    bar: Bar
    """Kept so that no other object can take this one's ``id`` while the entry lives."""
    day: date
    ohlc_consistent: bool
    prices_positive: bool


_FACTS: dict[int, _BarFacts] = {}
_FACTS_LIMIT = 100_000


def _facts(bar: Bar) -> _BarFacts:
    """What the checks need to know of one bar, worked out once per bar object.

    Why memoised: a snapshot re-checks its whole 400-day window, so a backtest checked each bar
    about 250 times (about 1 s of a 7.5 s year went into these checks), and a live process re-checks
    the bars its provider keeps between cycles. A bar is frozen, so its facts never change; an
    entry is found by the object's ``id`` and is only taken when it holds that very object.
    The table is bounded: when full it is emptied and fills again.
    """
    found = _FACTS.get(id(bar))
    if found is not None and found.bar is bar:
        return found
    if len(_FACTS) >= _FACTS_LIMIT:
        _FACTS.clear()
    found = _BarFacts(
        bar=bar,
        day=bar.ts.astimezone(NEW_YORK).date(),
        ohlc_consistent=not (
            bar.low > min(bar.open, bar.close) + _EPS
            or bar.high < max(bar.open, bar.close) - _EPS
            or bar.low > bar.high + _EPS
        ),
        prices_positive=not (min(bar.open, bar.high, bar.low, bar.close) <= 0 or bar.volume < 0),
    )
    _FACTS[id(bar)] = found
    return found


def _bar_day(bar: Bar) -> date:
    return _facts(bar).day


def _missing_sessions(facts: Sequence[_BarFacts], max_missing: int) -> Finding | None:
    if len(facts) < 2:
        return None
    have = {f.day for f in facts}
    first = max(facts[0].day, CALENDAR_FIRST)
    last = min(facts[-1].day, CALENDAR_LAST)
    expected = nyse_sessions().between(first, last) if first <= last else []
    missing = [d for d in expected if d not in have]
    if len(missing) <= max_missing:
        return None
    shown = ", ".join(d.isoformat() for d in missing[:5])
    more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
    return DataIssue.MISSING_SESSIONS, f"{len(missing)} missing session(s): {shown}{more}"


def _inconsistent_ohlc(facts: Sequence[_BarFacts]) -> Finding | None:
    bad = [f for f in facts if not f.ohlc_consistent]
    if not bad:
        return None
    days = ", ".join(f.day.isoformat() for f in bad[:5])
    return DataIssue.OHLC_VIOLATION, f"{len(bad)} bar(s) with inconsistent OHLC: {days}"


def _non_positive(facts: Sequence[_BarFacts]) -> Finding | None:
    bad = [f for f in facts if not f.prices_positive]
    if not bad:
        return None
    days = ", ".join(f.day.isoformat() for f in bad[:5])
    return DataIssue.NON_POSITIVE_PRICE, f"{len(bad)} bar(s) with non-positive price: {days}"


def check_missing_sessions(bars: Sequence[Bar], *, max_missing: int = 0) -> Finding | None:
    """XNYS sessions between the first and last bar that have no bar."""
    return _missing_sessions([_facts(b) for b in bars], max_missing)


def check_ohlc(bars: Sequence[Bar]) -> Finding | None:
    """Low above open/close, high below them, or low above high."""
    return _inconsistent_ohlc([_facts(b) for b in bars])


def check_positive_prices(bars: Sequence[Bar]) -> Finding | None:
    """Any price at or below zero, or a negative volume."""
    return _non_positive([_facts(b) for b in bars])


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


def _all_facts(bars: Sequence[Bar]) -> list[_BarFacts]:
    return [_facts(b) for b in bars]


def _bad_before(bars: Sequence[Bar]) -> tuple[list[int], list[int]]:
    """``[k]``: bars among the first ``k`` with inconsistent OHLC, and with a non-positive price."""
    ohlc, prices = [0], [0]
    for fact in _all_facts(bars):
        ohlc.append(ohlc[-1] + (not fact.ohlc_consistent))
        prices.append(prices[-1] + (not fact.prices_positive))
    return ohlc, prices


def _window_facts(bars: Sequence[Bar]) -> tuple[list[_BarFacts], bool, bool]:
    """The bars' facts, and whether the window is known free of OHLC and price findings.

    In a backtest the window is a slice of the ticker's indexed history (``bar_series``): the
    facts are sliced and two counts say whether the checks can find anything at all; otherwise
    each bar is looked at once for the three bar-by-bar checks.
    """
    found = window_of(bars)
    if found is None:
        return _all_facts(bars), False, False
    series, start, stop = found
    ohlc, prices = series.derived("quality_bad_before", _bad_before)
    facts = series.derived("quality_facts", _all_facts)[start:stop]
    return facts, ohlc[stop] == ohlc[start], prices[stop] == prices[start]


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
    facts, clean_ohlc, clean_prices = _window_facts(bars)
    for found in (
        _missing_sessions(facts, 0),
        None if clean_ohlc else _inconsistent_ohlc(facts),
        None if clean_prices else _non_positive(facts),
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
