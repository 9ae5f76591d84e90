"""research_validation with the configured backend inside real trading cycles (embedded stack)."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from config.settings import Settings, load_settings
from domain import MarketSnapshot, ResearchFinding, ResearchStance, StrategySignal, TradeAction
from graph.assembly import build_context
from graph.checkpoints.factory import aopen_checkpointer
from graph.context import TradingContext
from graph.modes import WorkflowMode
from graph.runner import CycleResult, CycleStatus, arun_cycle
from tests.fakes.research_llm_server import FakeResearchModel
from tools.clock import FixedClock

pytestmark = pytest.mark.integration

AS_OF = datetime(2025, 3, 11, 15, 0, tzinfo=UTC)
TICKERS = ["AAPL", "MSFT", "NVDA", "AMZN", "META", "TSLA", "GOOGL", "JPM"]


@pytest.fixture
async def saver(tmp_path: Path) -> AsyncIterator[Any]:
    settings = load_settings(hedgegraph_home=tmp_path / "ckpt")
    async with aopen_checkpointer(settings.effective_checkpoint_url) as checkpointer:
        yield checkpointer


def context_for(settings: Settings) -> TradingContext:
    # analysts and the PM rules-only: only research talks to the model in these tests
    return dataclasses.replace(build_context(settings, clock=FixedClock(AS_OF)), llm=None)


async def cycle(
    context: TradingContext, saver: Any, thread: str, mode: WorkflowMode
) -> CycleResult:
    result = await arun_cycle(
        context, saver, thread_id=thread, tickers=TICKERS, mode=mode, session_mode="autonomous"
    )
    assert result.status is CycleStatus.COMPLETED
    return result


def entries(result: CycleResult) -> list[str]:
    return [d.ticker for d in result.decisions if d.action in (TradeAction.BUY, TradeAction.SHORT)]


async def test_native_backend_without_an_llm_researches_rules_only(
    tmp_path: Path, saver: Any
) -> None:
    settings = load_settings(hedgegraph_home=tmp_path / "home", research={"backend": "native"})
    result = await cycle(context_for(settings), saver, "t-rules", WorkflowMode.FULL)
    assert result.research, "precondition: the cycle had candidates"
    for ticker, finding in result.research.items():
        assert finding.stance is not ResearchStance.UNAVAILABLE, finding.reason
        if finding.reason != "no thesis":
            assert "rules-only research" in finding.reason
            assert any(s.startswith(f"get_prices(ticker={ticker}") for s in finding.sources)
            assert all(s.endswith("@" + AS_OF.isoformat()) for s in finding.sources)
    # full mode: a disagreeing finding blocks that entry
    blocked = {t for t, f in result.research.items() if f.stance is ResearchStance.DISAGREES}
    assert not blocked & set(entries(result))


@pytest.mark.parametrize("stance", ["bullish", "bearish"])
async def test_native_agent_findings_agree_or_disagree_with_sources(
    model: FakeResearchModel, settings_for: Callable[..., Settings], saver: Any, stance: str
) -> None:
    model.reset(stance=stance)
    settings = settings_for("openai", research={"backend": "native", "max_parallel": 3})
    result = await cycle(context_for(settings), saver, f"t-agent-{stance}", WorkflowMode.FULL)
    theses = {t: f for t, f in result.research.items() if f.reason != "no thesis"}
    assert theses, "precondition: some candidate had a thesis"
    for finding in theses.values():
        long = "long thesis" in finding.reason
        agrees = (stance == "bullish") == long
        assert finding.stance is (ResearchStance.AGREES if agrees else ResearchStance.DISAGREES)
        assert finding.confidence == 0.55 and finding.sources
        assert "agent research is " + stance in finding.reason
    assert {s.kind for s in model.seen} == {"understand", "plan", "act", "draft"}


@pytest.mark.parametrize("policy", ["fail_closed", "proceed"])
async def test_an_answer_that_fails_validation_is_unavailable_and_the_policy_decides(
    model: FakeResearchModel,
    settings_for: Callable[..., Settings],
    saver: Any,
    policy: str,
) -> None:
    model.reset(mode="invent", stance="bullish")
    settings = settings_for("openai", research={"backend": "native", "unavailable_policy": policy})
    result = await cycle(
        context_for(settings), saver, f"t-invent-{policy}", WorkflowMode.POST_RESEARCH
    )
    researched = result.research
    assert researched, "precondition: the PM made entry decisions"
    assert all(f.stance is ResearchStance.UNAVAILABLE for f in researched.values())
    assert all("is in no tool output" in f.reason for f in researched.values())
    assert any("research unavailable" in e.message for e in result.events)
    if policy == "fail_closed":
        assert entries(result) == []
    else:
        assert set(entries(result)) == set(researched)


class SlowResearch:
    """A research service that takes its time and records how many run at once."""

    name = "slow"

    def __init__(self) -> None:
        self.running = 0
        self.most = 0
        self.lock = threading.Lock()

    def validate(
        self, ticker: str, signals: list[StrategySignal], snapshot: MarketSnapshot
    ) -> ResearchFinding:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(0.2)
        with self.lock:
            self.running -= 1
        return ResearchFinding(ticker=ticker, stance=ResearchStance.AGREES, summary="ok")


@pytest.mark.parametrize("limit", [1, 3])
async def test_candidates_are_researched_in_parallel_within_the_bound(
    tmp_path: Path, saver: Any, limit: int
) -> None:
    settings = load_settings(hedgegraph_home=tmp_path / "home", research={"max_parallel": limit})
    slow = SlowResearch()
    context = dataclasses.replace(context_for(settings), research=slow)
    result = await cycle(context, saver, f"t-par-{limit}", WorkflowMode.FULL)
    assert len(result.research) > 3, "precondition: more candidates than the bound"
    assert slow.most == limit
