"""The run's LLM budget grows with the work it guards, and a run that exhausts it says so.

Real graph, real LLM clients against the fake server: a budget that is too small for the run turns
the judgements it cannot afford into ``budget_exhausted`` no-signals (fail closed), and the run
reports that in its result's events and raises an alert; a budget sized per planned call lets a
wide run through although its base alone would not cover one call.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from config.settings import load_settings
from domain import EventSeverity, TradeAction
from graph.assembly import build_context
from graph.checkpoints.factory import aopen_checkpointer
from graph.modes import WorkflowMode
from graph.runner import CycleResult, CycleStatus, arun_cycle
from tests.fakes.llm_server import FakeLLM
from tools.alerts.dispatcher import AlertDispatcher
from tools.alerts.model import Alert
from tools.clock import FixedClock

pytestmark = pytest.mark.integration

AS_OF = datetime(2025, 3, 11, 15, 0, tzinfo=UTC)
TICKERS = ["AAPL", "MSFT", "NVDA", "AMZN", "META", "TSLA", "GOOGL", "JPM"]


class KeptAlerts:
    """An alert sink that keeps what it is given (the operator's pager, in a test)."""

    name = "kept"

    def __init__(self) -> None:
        self.alerts: list[Alert] = []

    def deliver(self, alert: Alert) -> None:
        self.alerts.append(alert)


async def run_cycle(fake: FakeLLM, tmp_path: Path, sink: KeptAlerts, **llm: Any) -> CycleResult:
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
            "max_attempts": 2,
            "retry_backoff_seconds": 0.01,
            "cache": "none",
            **llm,
        },
    )
    clock = FixedClock(AS_OF)
    context = dataclasses.replace(
        build_context(settings, clock=clock), alerts=AlertDispatcher([sink], clock=clock)
    )
    async with aopen_checkpointer(settings.effective_checkpoint_url) as saver:
        return await arun_cycle(
            context,
            saver,
            thread_id="budget-run",
            tickers=TICKERS,
            mode=WorkflowMode.SIGNAL,
            session_mode="autonomous",
        )


def budget_events(result: CycleResult) -> list[str]:
    return [e.message for e in result.events if "budget exhausted" in e.message]


async def test_a_run_that_exhausts_its_budget_reports_it_and_raises_an_alert(
    fake: FakeLLM, tmp_path: Path
) -> None:
    sink = KeptAlerts()
    result = await run_cycle(fake, tmp_path, sink, run_token_budget=1, token_budget_per_call=0)
    assert result.status is CycleStatus.COMPLETED
    cut = [v for v in result.analyst_verdicts if v.failure_reason == "budget_exhausted"]
    assert cut, "precondition: the synthetic market yields candidates for the analysts"
    assert fake.count == 0, "a call that does not fit the budget is never sent"
    assert all(d.action is TradeAction.HOLD and d.quantity == 0 for d in result.decisions)
    (message,) = budget_events(result)
    assert f"{len(cut)} of {len(result.analyst_verdicts)} analyst verdicts" in message
    (event,) = [e for e in result.events if e.message == message]
    assert event.severity is EventSeverity.ERROR
    (alert,) = [a for a in sink.alerts if a.title == "LLM budget exhausted"]
    assert alert.thread_id == "budget-run"
    assert alert.context["analyst_verdicts_cut"] == str(len(cut))


async def test_the_budget_grows_with_the_planned_calls(fake: FakeLLM, tmp_path: Path) -> None:
    """A base far below one call, plus the per-call allowance, covers every ticker x analyst."""
    sink = KeptAlerts()
    result = await run_cycle(fake, tmp_path, sink, run_token_budget=1)
    assert result.analyst_verdicts and result.decisions
    assert not [v for v in result.analyst_verdicts if v.failure_reason == "budget_exhausted"]
    assert not any("llm_failure" in c for d in result.decisions for c in d.clamps)
    assert fake.count == len(result.analyst_verdicts) + len(result.decisions)
    assert budget_events(result) == [] and sink.alerts == []
