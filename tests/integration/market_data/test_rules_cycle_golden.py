"""Golden decisions of a rules-only cycle on the offline market.

Why: the data-loading and rules-speed work (issue 12) may change how bars, sessions and
fundamentals are produced, but never what a cycle decides. This pins the signals, analyst
verdicts, PM decisions and gate verdicts of one fixed as-of and universe (30 tickers, default
roster) to a file written from the code before that work. Regenerate it only for an intended
change of behaviour: ``REGEN_GOLDEN=1 .venv/bin/pytest <this file>``.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from config.settings import load_settings
from graph.assembly import build_context
from graph.checkpoints.factory import aopen_checkpointer
from graph.cycle_result import CycleResult
from graph.runner import arun_cycle
from tools.clock import FixedClock

AS_OF = datetime(2025, 3, 11, 15, 0, tzinfo=UTC)
"""A Tuesday during the session (the benchmark's as-of): entries and holds both occur."""
TICKERS = ["AAPL", "MSFT", "NVDA", "AMZN", "GOOGL"] + [f"T{i:03d}" for i in range(25)]
GOLDEN = Path(__file__).with_name("golden_rules_cycle.json")


def _summary(result: CycleResult) -> dict[str, Any]:
    """The decision-bearing parts of a cycle, in a stable order and JSON-stable form."""
    return {
        "signals": sorted(
            [s.strategy, s.ticker, str(s.direction), round(s.confidence, 6), s.entry, s.stop]
            for s in result.signals
        ),
        "analyst_verdicts": sorted(
            [v.analyst, v.ticker, str(v.signal), round(v.confidence, 6), v.failure_reason]
            for v in result.analyst_verdicts
        ),
        "decisions": sorted(
            [
                d.ticker,
                str(d.action),
                str(d.quantity),
                round(d.confidence, 6),
                str(d.stop_loss),
                str(d.take_profit),
            ]
            for d in result.decisions
        ),
        "gate": sorted(
            [v.intent.ticker, str(v.outcome), str(v.approved_qty), [str(c) for c in v.reason_codes]]
            for v in result.verdicts
        ),
    }


async def test_a_fixed_rules_cycle_decides_as_the_golden_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(
        hedgegraph_home=tmp_path / "home",
        data_providers=["offline"],
        broker="paper",
        trading_session_mode="autonomous",
        redis_url=None,
        llm_provider="none",
    )
    context = build_context(settings, clock=FixedClock(AS_OF))
    async with aopen_checkpointer(settings.effective_checkpoint_url) as saver:
        result = await arun_cycle(
            context,
            saver,
            thread_id="golden-rules",
            tickers=TICKERS,
            mode="signal",
            session_mode="autonomous",
        )
    got = json.loads(json.dumps(_summary(result), default=str))
    if os.environ.get("REGEN_GOLDEN") == "1":
        GOLDEN.write_text(json.dumps(got, indent=1) + "\n")
    want = json.loads(GOLDEN.read_text())
    assert got["decisions"], "the golden universe must produce PM decisions to pin"
    assert got == want
