"""A window of an indexed history reads the same numbers as the window computed bar by bar."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from agents.strategies import _indicators as ind
from domain import Bar, TickerData
from tools.market_data import quality
from tools.market_data.bar_series import indexed, window_of
from tools.market_data.ticker_json import ticker_json

START = datetime(2023, 1, 3, 14, 30, tzinfo=UTC)


def _history(n: int = 300) -> tuple[Bar, ...]:
    bars = []
    for i in range(n):
        close = 100 + 10 * math.sin(i / 7) + i / 13
        bars.append(
            Bar(
                ts=START + timedelta(days=i),
                open=close - 0.4 * math.cos(i),
                high=close + 1.3 + (i % 5) / 10,
                low=close - 1.1 - (i % 3) / 10,
                close=close,
                volume=1e6 + 17 * i,
            )
        )
    bars[120] = bars[120].model_copy(update={"low": -1.0})  # one bad print inside the history
    return tuple(bars)


def _readings(window: tuple[Bar, ...]) -> tuple[object, ...]:
    return (
        ind.closes(window),
        ind.valid_bars(window),
        ind.atr(window),
        ind.atr(window, 5),
        quality.assess(window, as_of=window[-1].ts + timedelta(hours=8)),
    )


def test_indexed_windows_read_exactly_what_the_bars_give() -> None:
    history = _history()
    windows = [history[a:b] for a, b in ((0, 50), (30, 200), (121, 300), (100, 130), (299, 300))]
    unindexed = [_readings(w) for w in windows]
    assert unindexed[1][1] is False and unindexed[2][1] is True  # the bad print is seen
    with indexed([history]):
        assert all(window_of(w) is not None for w in windows)
        assert [_readings(w) for w in windows] == unindexed
        assert window_of(list(windows[1])) is not None  # a list of the same bars too
        for window in windows:  # the snapshot's JSON, each bar's made once and joined
            data = TickerData(ticker="XYZ", bars=window, source="csv")
            assert ticker_json(data) == data.model_dump_json().encode()


def test_a_window_that_is_not_a_run_of_the_history_is_read_bar_by_bar() -> None:
    history = _history()
    gapped = history[10:60] + history[61:80]  # one session left out
    swapped = (*history[0:20], history[20].model_copy(update={"close": 1.0}), *history[21:40])
    with indexed([history]):
        assert window_of(gapped) is None
        assert window_of(swapped) is None
        assert ind.closes(swapped)[20] == 1.0
        assert ind.atr(gapped) == ind.atr(list(gapped))
    assert window_of(history[0:50]) is None  # the index ends with its block
