"""``rsi()`` is Wilder's RSI: checked against the ``ta`` library on real closes, and by hand."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from ta.momentum import RSIIndicator

from agents.strategies._indicators import rsi


def test_matches_ta_once_the_seed_has_decayed(shared_data: Path) -> None:
    # ta seeds Wilder's average with the first change, Wilder (and rsi()) with the mean of the
    # first 14; after 250 more changes the seeds differ by (13/14)**250, about 1e-8.
    closes = pd.read_csv(shared_data / "prices" / "AAPL_daily_2013-2023_yahoo.csv")["Close"]
    reference = RSIIndicator(closes, window=14).rsi()
    values = closes.tolist()
    for end in (300, 800, 1500, 2768):
        assert rsi(values[:end]) == pytest.approx(reference.iloc[end - 1], abs=1e-5)


def test_wilder_smoothing_by_hand() -> None:
    # 15 closes: 14 changes of +1 then -1 alternating (7 up, 7 down): avg gain = avg loss = 0.5.
    values = [10.0, 11.0] * 7 + [10.0]
    assert rsi(values) == pytest.approx(50.0)
    # One more change of +2: gain = (0.5 * 13 + 2) / 14 = 8.5 / 14, loss = 0.5 * 13 / 14 = 6.5 / 14
    # -> RS = 8.5 / 6.5 and RSI = 100 - 100 / (1 + 8.5 / 6.5) = 56.666...
    assert rsi([*values, 12.0]) == pytest.approx(100 - 100 / (1 + 8.5 / 6.5))
    # A simple mean of the last 14 changes (6 up + the 2, 7 down) would give RS 8 / 7 -> 53.33.
    assert rsi([*values, 12.0]) != pytest.approx(100 - 100 / (1 + 8 / 7))
    assert rsi([1.0 + i for i in range(20)]) == 100.0
    assert rsi([1.0] * 14) is None
