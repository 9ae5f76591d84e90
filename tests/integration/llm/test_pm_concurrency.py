"""The portfolio manager decides its candidates concurrently (bounded by the LLM limit), and each
decision is still its own call, parsed, clamped and audited per ticker.

Analysts are rules-only here (``analyst_providers: none``), so every LLM call is the PM's.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from agents.analysts.registry import DEFAULT_ROSTER
from config.settings import load_settings
from graph.assembly import build_context
from graph.checkpoints.factory import aopen_checkpointer
from graph.modes import WorkflowMode
from graph.runner import CycleResult, arun_cycle
from tests.fakes.llm_server import FakeLLM
from tools.clock import FixedClock

pytestmark = pytest.mark.integration

AS_OF = datetime(2025, 3, 11, 15, 0, tzinfo=UTC)
TICKERS = ["AAPL", "MSFT", "NVDA", "AMZN", "META", "TSLA", "GOOGL", "JPM"]
DELAY = 0.3


async def pm_only_cycle(fake: FakeLLM, tmp_path: Path, **llm: Any) -> tuple[CycleResult, float]:
    settings = load_settings(
        hedgegraph_home=tmp_path / "home",
        data_providers=["offline"],
        broker="paper",
        trading_session_mode="autonomous",
        llm_provider="openai",
        llm_model="test-model",
        openai_base_url=fake.openai_url,
        openai_api_key="sk-test",
        redis_url=None,
        llm={
            "request_timeout_seconds": 15,
            "max_attempts": 1,
            "cache": "none",
            "analyst_providers": dict.fromkeys(DEFAULT_ROSTER, "none"),
            **llm,
        },
    )
    context = build_context(settings, clock=FixedClock(AS_OF))
    finished: dict[str, float] = {}
    async with aopen_checkpointer(settings.effective_checkpoint_url) as saver:
        started = time.perf_counter()
        result = await arun_cycle(
            context,
            saver,
            thread_id="pm-concurrency",
            tickers=TICKERS,
            mode=WorkflowMode.SIGNAL,
            session_mode="autonomous",
            on_progress=lambda node, _: finished.setdefault(node, time.perf_counter() - started),
        )
    return result, finished["portfolio_manager"] - finished["analyst"]


async def test_the_pm_calls_for_all_candidates_are_in_flight_together(
    fake: FakeLLM, tmp_path: Path
) -> None:
    fake.reset(delay_seconds=DELAY)
    result, pm_seconds = await pm_only_cycle(fake, tmp_path, max_concurrency=None)
    candidates = len(result.decisions)
    assert candidates >= 3, "precondition: the synthetic market yields several candidates"
    assert fake.count == candidates  # one call per ticker: each decision parsed on its own
    assert fake.max_in_flight == candidates
    assert all(d.policy == "llm:test-model" for d in result.decisions)
    tickers = [d.ticker for d in result.decisions]
    assert tickers == sorted(tickers), "decisions keep the candidates' (the universe's) order"
    serial = candidates * DELAY
    assert pm_seconds < serial / 2, f"PM took {pm_seconds:.2f}s; one after another is {serial:.1f}s"


async def test_the_llm_limit_still_bounds_the_pm(fake: FakeLLM, tmp_path: Path) -> None:
    fake.reset(delay_seconds=0.05)
    result, _ = await pm_only_cycle(fake, tmp_path, max_concurrency=2)
    assert len(result.decisions) >= 3
    assert fake.max_in_flight == 2
