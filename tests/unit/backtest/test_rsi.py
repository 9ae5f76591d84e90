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


def _rsi_by_max(values: list[float], window: int = 14) -> float | None:
    """The definition before the speed work (``max`` per change): the new one must equal it."""
    from itertools import pairwise

    if len(values) <= window:
        return None
    changes = [cur - prev for prev, cur in pairwise(values)]
    gain = sum(max(c, 0.0) for c in changes[:window]) / window
    loss = sum(max(-c, 0.0) for c in changes[:window]) / window
    for change in changes[window:]:
        gain = (gain * (window - 1) + max(change, 0.0)) / window
        loss = (loss * (window - 1) + max(-change, 0.0)) / window
    if loss == 0:
        return 100.0 if gain > 0 else 50.0
    return 100.0 - 100.0 / (1.0 + gain / loss)


def test_equals_the_max_form_to_the_last_bit(shared_data: Path) -> None:
    closes = pd.read_csv(shared_data / "prices" / "NVDA_daily_2013-2023_yahoo.csv")["Close"]
    values = closes.tolist()
    for end in range(15, len(values), 7):
        window = values[max(0, end - 280) : end]
        assert rsi(window) == _rsi_by_max(window)
    for window_size in (2, 5, 30):
        assert rsi(values[:400], window_size) == _rsi_by_max(values[:400], window_size)
    flat_then_up = [5.0] * 20 + [5.0 + i for i in range(10)]
    assert rsi(flat_then_up) == _rsi_by_max(flat_then_up)
    assert rsi([5.0] * 30) == _rsi_by_max([5.0] * 30) == 50.0
