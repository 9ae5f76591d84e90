"""A cycle on real market history: DATA_PROVIDERS=csv over ../shared/data/prices."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from config.settings import load_settings
from graph.assembly import build_context
from graph.checkpoints.factory import aopen_checkpointer
from graph.modes import WorkflowMode
from graph.runner import CycleStatus, arun_cycle
from tools.clock import FixedClock


@pytest.mark.parametrize("mode", [WorkflowMode.SIGNAL, WorkflowMode.FULL], ids=str)
async def test_cycle_on_real_prices(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: WorkflowMode
) -> None:
    monkeypatch.chdir(tmp_path)
    # Bars-only data leaves one directional analyst (technicals); let one verdict suffice.
    monkeypatch.setenv("THRESHOLDS__MIN_ANALYST_COVERAGE", "1")
    settings = load_settings(
        hedgegraph_home=tmp_path / "home",
        data_providers=["csv"],
        data_dir=shared_data / "prices",
    )
    # The close of 2023-12-29 is AAPL 192.53 in this file; at 10:00 New York time on the next
    # session (2024-01-02) it is the last completed bar.
    context = build_context(settings, clock=FixedClock(datetime(2024, 1, 2, 15, tzinfo=UTC)))
    async with aopen_checkpointer(settings.effective_checkpoint_url) as saver:
        result = await arun_cycle(
            context,
            saver,
            thread_id="csv-1",
            tickers=["AAPL", "MSFT", "NVDA", "TSLA"],
            mode=mode,
            session_mode="autonomous",
        )
    assert result.status is CycleStatus.COMPLETED
    assert {s.ticker for s in result.signals} <= {"AAPL", "MSFT", "NVDA", "TSLA"}
    aapl = [v for v in result.verdicts if v.intent.ticker == "AAPL"]
    assert aapl, "precondition: AAPL should reach the gate on this date"
    assert aapl[0].intent.reference_price == Decimal("192.53")
    # CSV has no fundamentals or news: those analysts must say so instead of guessing a direction.
    fundamentals = [v for v in result.analyst_verdicts if v.analyst == "fundamentals"]
    assert fundamentals and all(v.signal.value == "insufficient_data" for v in fundamentals)
    assert result.orders, "precondition: at least one order should be approved and filled"
    for order in result.orders:
        assert order.filled_avg_price is not None and order.filled_avg_price > 0
