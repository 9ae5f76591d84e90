"""The backtest statistics on a small hand-made result, each number worked out by hand."""

from __future__ import annotations

import math
import statistics
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from domain import AnalystVerdict, VerdictSignal
from graph.backtest import BacktestResult, EquityPoint, SessionRecord, TradeRecord
from graph.backtest.statistics import statistics_of

DAYS = [date(2024, 3, d) for d in (4, 5, 6, 7, 8)]
EQUITY = ["1100", "990", "1045", "1210", "1210"]
"""Start 1000: +10 %, -10 %, +5.5556 %, +15.789 %, 0 %."""


def _verdict(analyst: str, signal: VerdictSignal) -> AnalystVerdict:
    return AnalystVerdict(analyst=analyst, ticker="XYZ", signal=signal, confidence=0.6)


def _session(i: int, verdicts: tuple[AnalystVerdict, ...], close: float) -> SessionRecord:
    return SessionRecord(
        day=DAYS[i],
        decided_at=datetime(2024, 3, 4 + i, 14, 30, tzinfo=UTC),
        thread_id=f"t{i}",
        analyst_verdicts=verdicts,
        decisions=(),
        gate_verdicts=(),
        orders=(),
        closes={"XYZ": close},
    )


def _trade(i: int, side: str, qty: int, price: str, pnl: str | None) -> TradeRecord:
    return TradeRecord(
        day=DAYS[i],
        at=datetime(2024, 3, 4 + i, 14, 30, tzinfo=UTC),
        ticker="XYZ",
        side=side,
        qty=Decimal(qty),
        price=Decimal(price),
        commission=Decimal(0),
        reason="open",
        gapped=False,
        decision_id=f"d{i}",
        client_order_id=f"c{i}",
        realized_pnl=Decimal(pnl) if pnl is not None else None,
    )


def _result() -> BacktestResult:
    up, down = VerdictSignal.BULLISH, VerdictSignal.BEARISH
    closes = [10.0, 11.0, 9.0, 12.0, 12.0]
    sessions = (
        _session(0, (), closes[0]),
        # Decided on day 0's close (10); horizon 2 -> day 2's close 9: bullish misses, bearish hits.
        _session(1, (_verdict("a", up), _verdict("b", down)), closes[1]),
        # On day 1's close (11) -> day 3's close 12: bullish hits; a neutral one is not scored.
        _session(2, (_verdict("a", up), _verdict("b", VerdictSignal.NEUTRAL)), closes[2]),
        # On day 2's close (9) -> day 4 (12): hit for a; day 3 would need day 5 (none): unscored.
        _session(3, (_verdict("a", up),), closes[3]),
        _session(4, (_verdict("a", down),), closes[4]),
    )
    return BacktestResult(
        tickers=("XYZ",),
        start=DAYS[0],
        end=DAYS[-1],
        initial_cash=Decimal(1000),
        analysts=("a", "b"),
        mode="signal",
        slippage_bps=0,
        commission_per_share=Decimal(0),
        benchmark="SPY",
        sessions=sessions,
        trades=(
            _trade(0, "buy", 10, "10", None),
            _trade(1, "sell", 5, "11", "5"),
            _trade(2, "sell", 5, "9", "-5"),
            _trade(3, "buy", 20, "12", None),
            _trade(4, "sell", 20, "13", "20"),
        ),
        equity=tuple(
            EquityPoint(
                day=d,
                equity=Decimal(e),
                cash=Decimal(0),
                gross_exposure=Decimal(e) / 2,
                benchmark_close=b,
            )
            for d, e, b in zip(DAYS, EQUITY, [400.0, 404.0, 396.0, 410.0, 420.0], strict=True)
        ),
        hit_horizon=2,
    )


def test_statistics_by_hand() -> None:
    stats = statistics_of(_result())
    returns = [1100 / 1000 - 1, 990 / 1100 - 1, 1045 / 990 - 1, 1210 / 1045 - 1, 0.0]
    assert stats.total_return == pytest.approx(0.21)
    # Sharpe: mean / sample deviation of daily returns, times sqrt(252).
    sharpe = statistics.mean(returns) / statistics.stdev(returns) * math.sqrt(252)
    assert stats.sharpe == pytest.approx(sharpe)
    assert stats.annual_volatility == pytest.approx(statistics.stdev(returns) * math.sqrt(252))
    assert stats.annual_return == pytest.approx(1.21 ** (252 / 5) - 1)
    # Deepest fall: 1100 (day 0) to 990 (day 1), -10 %, recovered at 1210 (day 3).
    assert stats.max_drawdown == pytest.approx(-0.1)
    assert (stats.drawdown_peak, stats.drawdown_trough, stats.drawdown_recovery) == (
        DAYS[0],
        DAYS[1],
        DAYS[3],
    )
    assert stats.calmar == pytest.approx(stats.annual_return / 0.1)
    assert stats.exposure == pytest.approx(0.5)
    # Traded notional 100 + 55 + 45 + 240 + 260 = 700 over average equity 1111 over 5/252 years.
    assert stats.turnover == pytest.approx(700 / 1111 / (5 / 252))
    assert (stats.closed_trades, stats.win_rate) == (3, pytest.approx(2 / 3))
    assert stats.profit_factor == pytest.approx(25 / 5)
    assert stats.benchmark_return == pytest.approx(420 / 400 - 1)
    assert stats.excess_return == pytest.approx(0.21 - 0.05)
    hits = {k: (v.scored, v.hits) for k, v in stats.analyst_hit_rates.items()}
    assert hits == {"a": (3, 2), "b": (1, 1)}


def test_sortino_uses_the_downside_deviation() -> None:
    stats = statistics_of(_result())
    returns = [1100 / 1000 - 1, 990 / 1100 - 1, 1045 / 990 - 1, 1210 / 1045 - 1, 0.0]
    downside = math.sqrt(sum(min(r, 0.0) ** 2 for r in returns) / len(returns))
    assert stats.sortino == pytest.approx(statistics.mean(returns) / downside * math.sqrt(252))
