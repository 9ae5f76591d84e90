"""A ticker's whole bar history, indexed while a backtest runs, so each session reads its slice.

Why: a backtest hands every session a window of the same history (the last 400 days), and the
strategies and the data-quality checks work each window out bar by bar again (closes, validity,
true ranges, per-bar quality facts): a year of seven tickers looked at each bar about 250 times.
Inside ``indexed(...)`` a window that is a run of consecutive bars of an indexed series is
recognised (by the bars' identity, checked element by element), and the per-bar series a caller
derives is computed once over the whole history and sliced. The values are the very numbers the
window computation gives (the same per-bar expressions, summed in the same order), so a live
cycle, which indexes nothing, and a backtest session decide alike.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from domain import Bar

__all__ = ["BarSeries", "indexed", "window_of"]

T = TypeVar("T")


class BarSeries:
    """One ticker's bars, oldest first, and the per-bar series derived from them so far."""

    __slots__ = ("_derived", "_lock", "_position", "bars")

    def __init__(self, bars: Sequence[Bar]) -> None:
        self.bars: tuple[Bar, ...] = tuple(bars)
        self._position = {id(bar): i for i, bar in enumerate(self.bars)}
        self._derived: dict[str, Any] = {}
        self._lock = threading.Lock()

    def position(self, bar: Bar) -> int | None:
        i = self._position.get(id(bar))
        return i if i is not None and self.bars[i] is bar else None

    def derived(self, name: str, compute: Callable[[tuple[Bar, ...]], T]) -> T:
        """``compute(self.bars)``, worked out on first use under ``name`` and kept."""
        with self._lock:
            if name not in self._derived:
                self._derived[name] = compute(self.bars)
            value: T = self._derived[name]
            return value


_INDEX: dict[int, BarSeries] = {}
"""Every indexed bar's ``id`` -> its series (the series keeps the bar, so the ``id`` is its)."""
_INDEX_LOCK = threading.Lock()


@contextmanager
def indexed(histories: Iterable[Sequence[Bar]]) -> Iterator[list[BarSeries]]:
    """Index these histories for the duration of the block (a backtest's run)."""
    series = [BarSeries(bars) for bars in histories]
    with _INDEX_LOCK:
        for one in series:
            for bar in one.bars:
                _INDEX[id(bar)] = one
    try:
        yield series
    finally:
        with _INDEX_LOCK:
            for one in series:
                for bar in one.bars:
                    if _INDEX.get(id(bar)) is one:
                        del _INDEX[id(bar)]


def window_of(bars: Sequence[Bar]) -> tuple[BarSeries, int, int] | None:
    """``(series, start, stop)`` when ``bars`` is exactly ``series.bars[start:stop]``, else None."""
    if not _INDEX or not bars:
        return None
    first = bars[0]
    series = _INDEX.get(id(first))
    if series is None:
        return None
    start = series.position(first)
    if start is None:
        return None
    stop = start + len(bars)
    if stop > len(series.bars) or series.bars[stop - 1] is not bars[-1]:
        return None
    window = series.bars[start:stop]
    # element by element; equal tuples of the same objects compare by identity, at C speed
    if window != (bars if type(bars) is tuple else tuple(bars)):
        return None
    return series, start, stop
