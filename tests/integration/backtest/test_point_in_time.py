"""No look-ahead, and parity with a live cycle.

Look-ahead: the same backtest on a data folder that stops at ``--end`` and on the real folder,
which also holds the whole following year, decides and trades identically: nothing after a
session's decision moment reaches it (the preload asks as of the last close, each session reads
as of its open, and the indicators only ever see that slice).

Parity: one session run as a live cycle (the paper broker, a fixed clock at the session's open,
the runner every face uses) and as a backtest session gives the same analyst verdicts, decisions
and gate verdicts. Only the fills differ by design (the paper broker fills at the last close at
once; the backtest at the next open).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from config.settings import load_settings
from graph.assembly import build_context
from graph.backtest import BacktestConfig, BacktestResult, run_backtest
from graph.checkpoints.factory import aopen_checkpointer
from graph.runner import arun_cycle
from tools.clock import FixedClock
from tools.market_data.sessions import nyse_sessions

TICKERS = ("AAPL", "MSFT", "NVDA")


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    # Bars-only data leaves one directional analyst (technicals); let one verdict suffice.
    monkeypatch.setenv("THRESHOLDS__MIN_ANALYST_COVERAGE", "1")
    return tmp_path


def _truncated(source: Path, into: Path, last: date) -> Path:
    into.mkdir()
    for ticker in TICKERS:
        (path,) = source.glob(f"{ticker}_*.csv")
        lines = path.read_text().splitlines()
        kept = [lines[0]] + [row for row in lines[1:] if date.fromisoformat(row[:10]) <= last]
        (into / path.name).write_text("\n".join(kept) + "\n")
    return into


def _what_was_decided(result: BacktestResult) -> list[object]:
    return [
        (s.day, s.analyst_verdicts, s.decisions, s.gate_verdicts, s.orders) for s in result.sessions
    ]


async def test_no_look_ahead(env: Path, shared_data: Path) -> None:
    settings = load_settings(hedgegraph_home=env / "home")
    start, end = date(2022, 9, 1), date(2022, 12, 30)
    full = shared_data / "prices"
    cut = _truncated(full, env / "cut", end)
    runs = []
    for folder in (cut, full):
        config = BacktestConfig(
            tickers=TICKERS,
            start=start,
            end=end,
            data_dir=folder,
            analysts=("technicals",),
            benchmark=None,
            commission_per_share=Decimal("0.005"),
        )
        runs.append(await run_backtest(config, settings))
    stopped, with_future = runs
    assert stopped.trades, "precondition: the period should trade"
    assert _what_was_decided(stopped) == _what_was_decided(with_future)
    assert stopped.trades == with_future.trades
    assert stopped.equity == with_future.equity


async def test_live_cycle_and_backtest_session_agree(env: Path, shared_data: Path) -> None:
    day = date(2022, 1, 3)
    settings = load_settings(
        hedgegraph_home=env / "home",
        data_providers=["csv"],
        data_dir=shared_data / "prices",
        analysts=["technicals"],
    )
    opened = nyse_sessions().open_at(day)
    context = build_context(settings, clock=FixedClock(opened))
    async with aopen_checkpointer(settings.effective_checkpoint_url) as saver:
        live = await arun_cycle(
            context,
            saver,
            thread_id=f"backtest-{day.isoformat()}",
            tickers=list(TICKERS),
            session_mode="autonomous",
        )
    config = BacktestConfig(
        tickers=TICKERS,
        start=day,
        end=day,
        data_dir=shared_data / "prices",
        analysts=("technicals",),
        initial_cash=Decimal(str(settings.paper.starting_cash)),
        slippage_bps=settings.paper.slippage_bps,
        benchmark=None,
    )
    (session,) = (await run_backtest(config, settings)).sessions
    assert any(v.executable for v in live.verdicts), "precondition: the gate should approve one"
    assert session.decided_at == opened
    assert list(session.analyst_verdicts) == live.analyst_verdicts
    assert list(session.decisions) == live.decisions
    assert list(session.gate_verdicts) == live.verdicts
    assert [(o.client_order_id, o.qty) for o in session.orders] == [
        (o.client_order_id, o.qty) for o in live.orders
    ]
