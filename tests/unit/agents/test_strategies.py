"""Strategy scenarios: each setup fires in its direction with levels on the right sides."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.strategies import STRATEGIES, run_strategies
from agents.strategies.breakout import BreakoutStrategy
from agents.strategies.mean_reversion import MeanReversionStrategy
from agents.strategies.momentum import MomentumStrategy
from agents.strategies.trend_following import TrendFollowingStrategy
from domain import Bar, Direction, StrategySignal
from tests.unit.agents._factories import bars_from_closes, csv_bars, wave


def assert_levels(signal: StrategySignal) -> None:
    assert signal.entry is not None and signal.stop is not None and signal.target is not None
    if signal.direction is Direction.BULLISH:
        assert signal.stop < signal.entry < signal.target
    else:
        assert signal.target < signal.entry < signal.stop
    assert 0.0 <= signal.confidence <= 1.0


UP = bars_from_closes(wave(260, drift=0.004))
DOWN = bars_from_closes(wave(260, drift=-0.004))
FLAT = bars_from_closes(wave(260, drift=0.0, amp=0.002))


@pytest.mark.parametrize(
    ("strategy", "bars", "expected"),
    [
        (MomentumStrategy(), UP, Direction.BULLISH),
        (MomentumStrategy(), DOWN, Direction.BEARISH),
        (MomentumStrategy(), FLAT, None),
        (TrendFollowingStrategy(), UP, Direction.BULLISH),
        (TrendFollowingStrategy(), DOWN, Direction.BEARISH),
        (TrendFollowingStrategy(), FLAT, None),
        (MeanReversionStrategy(), FLAT, None),
        (BreakoutStrategy(), FLAT, None),
    ],
)
def test_trend_scenarios(strategy: object, bars: list[Bar], expected: Direction | None) -> None:
    signal = strategy.evaluate("TEST", bars)  # type: ignore[attr-defined]
    if expected is None:
        assert signal is None
    else:
        assert signal is not None and signal.direction is expected
        assert signal.ticker == "TEST" and signal.strategy == strategy.name  # type: ignore[attr-defined]
        assert_levels(signal)


def test_mean_reversion_buys_an_oversold_drop_and_targets_the_mean() -> None:
    closes = wave(80, amp=0.003) + [100 * (1 - 0.025 * k) for k in range(1, 7)]
    signal = MeanReversionStrategy().evaluate("TEST", bars_from_closes(closes))
    assert signal is not None and signal.direction is Direction.BULLISH
    assert_levels(signal)
    mean20 = sum(closes[-20:]) / 20
    assert signal.target == pytest.approx(mean20, rel=1e-3)


def test_mean_reversion_shorts_an_overbought_spike() -> None:
    closes = wave(80, amp=0.003) + [100 * (1 + 0.025 * k) for k in range(1, 7)]
    signal = MeanReversionStrategy().evaluate("TEST", bars_from_closes(closes))
    assert signal is not None and signal.direction is Direction.BEARISH
    assert_levels(signal)


@pytest.mark.parametrize(
    ("last_close", "last_volume", "expected"),
    [
        (104.0, 2_500_000.0, Direction.BULLISH),
        (104.0, 1_000_000.0, None),  # no volume confirmation
        (96.0, 2_500_000.0, Direction.BEARISH),
        (100.2, 2_500_000.0, None),  # inside the channel
    ],
)
def test_breakout_needs_the_channel_and_the_volume(
    last_close: float, last_volume: float, expected: Direction | None
) -> None:
    closes = [*wave(60, amp=0.004), last_close]
    volumes = [1_000_000.0] * 60 + [last_volume]
    signal = BreakoutStrategy().evaluate("TEST", bars_from_closes(closes, volumes))
    if expected is None:
        assert signal is None
    else:
        assert signal is not None and signal.direction is expected
        assert_levels(signal)


@pytest.mark.parametrize("strategy", STRATEGIES, ids=lambda s: s.name)
def test_short_history_and_bad_prices_give_no_signal(strategy: object) -> None:
    assert strategy.evaluate("TEST", UP[:15]) is None  # type: ignore[attr-defined]
    broken = [*UP[:-1], UP[-1].model_copy(update={"close": 0.0, "low": 0.0})]
    assert strategy.evaluate("TEST", broken) is None  # type: ignore[attr-defined]
    assert strategy.evaluate("TEST", []) is None  # type: ignore[attr-defined]


def test_registry_runs_every_strategy_in_order() -> None:
    names = [s.name for s in STRATEGIES]
    assert names == ["momentum", "mean_reversion", "trend_following", "breakout"]
    signals = run_strategies("TEST", UP)
    assert {s.strategy for s in signals} >= {"momentum", "trend_following"}
    assert all(s.direction is Direction.BULLISH for s in signals)


def test_real_aapl_history_gives_consistent_point_in_time_signals(shared_data: Path) -> None:
    bars = csv_bars(shared_data / "prices" / "AAPL_daily_2013-2023_yahoo.csv")
    seen: dict[str, set[Direction]] = {}
    for end in range(250, len(bars), 5):
        window = bars[:end]
        for signal in run_strategies("AAPL", window):
            assert_levels(signal)
            assert signal.entry == pytest.approx(window[-1].close, rel=1e-4)
            seen.setdefault(signal.strategy, set()).add(signal.direction)
    # eleven years of AAPL contain both rallies and selloffs for every strategy
    for name in ("momentum", "mean_reversion", "trend_following", "breakout"):
        assert seen.get(name) == {Direction.BULLISH, Direction.BEARISH}, name
    # the 2020 crash: momentum must be bearish near the March 2020 low
    crash_end = next(i for i, b in enumerate(bars) if b.ts.date().isoformat() >= "2020-03-24")
    crash = MomentumStrategy().evaluate("AAPL", bars[:crash_end])
    assert crash is not None and crash.direction is Direction.BEARISH
