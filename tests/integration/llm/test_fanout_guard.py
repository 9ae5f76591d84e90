"""A generous regression guard for the fan-out (the benchmark measures it properly): with no
concurrency limit, a ticker's whole roster is in flight at once, so a cycle takes about two
LLM latencies, not one per analyst."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from decimal import Decimal

import pytest

from agents.analysts import ALL, analyst_roster
from agents.analysts.base import AnalystRequest
from agents.portfolio_manager import compute_allowed_actions, decide
from domain import TradeDecision, VerdictSource
from tests.fakes.llm_server import FakeLLM
from tests.unit.agents._factories import AS_OF, portfolio, risk, strong_company, thresholds
from tools.llm import RoutedLLM

pytestmark = pytest.mark.integration

DELAY = 0.3


async def one_ticker(llm: RoutedLLM, ticker: str) -> TradeDecision:
    data = strong_company().model_copy(update={"ticker": ticker})
    request = AnalystRequest(ticker=ticker, data=data, signals=(), research=None, as_of=AS_OF)
    verdicts = await asyncio.gather(*(a.analyze(request, llm) for a in analyst_roster([ALL])))
    assert all(v.source is VerdictSource.LLM and v.failure_reason is None for v in verdicts)
    return await decide(
        decision_id=f"d-{ticker}",
        allowed=compute_allowed_actions(ticker, Decimal("50"), portfolio(), risk()),
        verdicts=verdicts,
        signals=(),
        research=None,
        thresholds=thresholds(),
        risk=risk(),
        llm=llm,
    )


async def test_unbounded_fan_out_runs_the_roster_in_parallel(
    fake: FakeLLM, llm_for_provider: Callable[..., RoutedLLM]
) -> None:
    fake.reset(delay_seconds=DELAY)
    llm = llm_for_provider(max_concurrency=None, cache="none")
    started = time.perf_counter()
    decisions = await asyncio.gather(one_ticker(llm, "AAA"), one_ticker(llm, "BBB"))
    elapsed = time.perf_counter() - started
    calls = 2 * len(analyst_roster([ALL])) + 2
    assert fake.count == calls
    assert fake.max_in_flight >= len(analyst_roster([ALL]))
    serial = calls * DELAY
    assert elapsed < serial / 3, f"{elapsed:.2f}s for {calls} calls (serial would be {serial:.1f}s)"
    assert all(d.policy == "llm:test-model" for d in decisions)
