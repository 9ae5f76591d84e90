"""Golden backtest: a fixed dataset and a fixed roster give exactly these trades, fees and equity.

Dataset: ``tests/fixtures/backtest/golden/GOLD.csv`` (see ``make_golden.py``). Settings: the
technicals analyst alone (one directional verdict suffices), mode ``signal``, 100 000 cash,
5 bps slippage, 0.01 per share commission, a position cap of 1 % of equity, and a volatility
target high enough that the gate never scales the position for volatility.

By hand:

Session D1 = 2022-03-02. The clock is D1's open; the last public bar is D0 (close 100.00).
  Technicals: trend, momentum and regime score +1, stretch -1 (RSI 100, z > 2), so the score is
  0.3 + 0.3 + 0.2 - 0.2 = 0.6 and the confidence 0.3 + 0.7 * 0.6 = 0.72 (bullish).
  PM envelope: position cap 1 % of 100 000 = 1 000 -> 1000 / 100.00 = 10 shares;
  the rules policy sizes floor(10 * 0.72) = 7 shares. The gate approves 7.
  Fill at D1's open 101.00 * (1 + 0.0005) = 101.0505; commission 7 * 0.01 = 0.07.
  Cash 100 000 - 7 * 101.0505 - 0.07 = 100 000 - 707.3535 - 0.07 = 99 292.5765.
  D1's range (100..113) reaches neither the stop nor the target (checked below).
  Equity at D1's close (112.50): 99 292.5765 + 7 * 112.5 = 100 080.0765.
Session D2 = 2022-03-03. The last public bar is D1 (close 112.50); equity 100 080.0765.
  Envelope: cap 1 000.800765 less the 787.50 held = 213.300765 -> 1 more share; the rules policy
  sizes floor(1 * 0.72) = 0, so no order (a hold).
  D2 opens at 60.00, below the stop: the stop-loss leg fills at the open, 60 * (1 - 0.0005) =
  59.97 (gapped); commission 0.07. Cash 99 292.5765 + 7 * 59.97 - 0.07 = 99 712.2965, flat.
  Realised: 7 * (59.97 - 101.0505) - 0.07 - 0.07 = -287.7035.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from config.settings import load_settings
from domain import OrderSide, VerdictSignal
from graph.backtest import BacktestConfig, run_backtest

GOLDEN = Path(__file__).resolve().parents[2] / "fixtures" / "backtest" / "golden"
D1, D2 = date(2022, 3, 2), date(2022, 3, 3)


async def test_golden_backtest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("THRESHOLDS__MIN_ANALYST_COVERAGE", "1")
    monkeypatch.setenv("RISK__MAX_POSITION_PCT", "0.01")
    monkeypatch.setenv("RISK__VOLATILITY_TARGET_DAILY_PCT", "1.0")
    settings = load_settings(hedgegraph_home=tmp_path / "home")
    config = BacktestConfig(
        tickers=("GOLD",),
        start=D1,
        end=D2,
        data_dir=GOLDEN,
        analysts=("technicals",),
        mode="signal",
        initial_cash=Decimal(100_000),
        slippage_bps=5,
        commission_per_share=Decimal("0.01"),
        benchmark=None,
    )
    result = await run_backtest(config, settings, store=tmp_path / "store")

    first, second = result.sessions
    # Preconditions the derivation rests on: the analyst's verdicts and the entry's levels.
    for session in (first, second):
        (verdict,) = session.analyst_verdicts
        assert (verdict.signal, verdict.confidence) == (VerdictSignal.BULLISH, 0.72)
    (entry,) = first.decisions
    assert entry.stop_loss is not None and entry.take_profit is not None
    assert Decimal(60) < entry.stop_loss < Decimal(100) and entry.take_profit > Decimal(113)

    assert first.decided_at.isoformat() == "2022-03-02T14:30:00+00:00"  # 09:30 New York
    assert [(v.intent.qty, v.approved_qty) for v in first.gate_verdicts] == [(7, 7)]
    assert [d.quantity for d in second.decisions] == [0] and second.orders == ()

    trades = [
        (t.day, t.side, t.qty, t.price, t.commission, t.reason, t.gapped, t.realized_pnl)
        for t in result.trades
    ]
    assert trades == [
        (D1, OrderSide.BUY.value, 7, Decimal("101.0505"), Decimal("0.07"), "open", False, None),
        (
            D2,
            OrderSide.SELL.value,
            7,
            Decimal("59.97"),
            Decimal("0.07"),
            "stop_loss",
            True,
            Decimal("-287.7035"),
        ),
    ]
    assert [t.decision_id for t in result.trades] == ["backtest-2022-03-02:GOLD"] * 2
    assert [(p.day, p.cash, p.equity) for p in result.equity] == [
        (D1, Decimal("99292.5765"), Decimal("100080.0765")),
        (D2, Decimal("99712.2965"), Decimal("99712.2965")),
    ]


async def test_a_store_that_holds_a_ledger_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from graph.backtest.session import BacktestInputError

    monkeypatch.chdir(tmp_path)
    settings = load_settings(hedgegraph_home=tmp_path / "home")
    config = BacktestConfig(
        tickers=("GOLD",), start=D1, end=D2, data_dir=GOLDEN, analysts=("technicals",)
    )
    await run_backtest(config, settings, store=tmp_path / "store")
    with pytest.raises(BacktestInputError, match="store"):
        await run_backtest(config, settings, store=tmp_path / "store")
