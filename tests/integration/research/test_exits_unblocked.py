"""Research never blocks an exit: post-PM research validates entries only, whatever the backend."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from langgraph.runtime import Runtime

from config.settings import load_settings
from domain import (
    Direction,
    MarketSnapshot,
    RunRequest,
    StrategySignal,
    TradeAction,
    TradeDecision,
)
from graph.assembly import build_context
from graph.nodes.research_validation import research_decisions
from tools.clock import FixedClock

pytestmark = pytest.mark.integration

AS_OF = datetime(2025, 3, 11, 15, 0, tzinfo=UTC)


def decision(ticker: str, action: TradeAction) -> TradeDecision:
    return TradeDecision(
        decision_id=f"d-{ticker}", ticker=ticker, action=action, quantity=Decimal(5), confidence=0.6
    )


@pytest.mark.parametrize("backend", ["native", "external"])
def test_unavailable_research_holds_entries_and_lets_exits_through(
    tmp_path: Path, backend: str
) -> None:
    # external with nothing configured and native over an unreachable model: both unavailable
    settings = load_settings(
        hedgegraph_home=tmp_path / "home",
        llm_provider="openai",
        openai_base_url="http://127.0.0.1:9/v1",
        openai_api_key="sk-test",
        llm={"max_attempts": 1, "request_timeout_seconds": 2},
        research={"backend": backend},
    )
    context = dataclasses.replace(build_context(settings, clock=FixedClock(AS_OF)), llm=None)
    state = {
        "request": RunRequest(
            thread_id="t",
            tickers=("AAPL", "MSFT", "NVDA"),
            mode="post_research",
            session_mode="autonomous",
        ),
        "market": MarketSnapshot(as_of=AS_OF),
        "signals": [
            StrategySignal(
                strategy="momentum", ticker="MSFT", direction=Direction.BULLISH, confidence=0.8
            )
        ],
        "decisions": [
            decision("AAPL", TradeAction.SELL),
            decision("MSFT", TradeAction.BUY),
            decision("NVDA", TradeAction.COVER),
        ],
        "order_intents": [],
    }
    update = research_decisions(state, Runtime(context=context))  # type: ignore[arg-type]
    assert set(update["research"]) == {"MSFT"}  # only the entry was researched
    by_ticker = {d.ticker: d for d in update["decisions"]}
    assert by_ticker["AAPL"].action is TradeAction.SELL and by_ticker["AAPL"].quantity == 5
    assert by_ticker["NVDA"].action is TradeAction.COVER
    assert by_ticker["MSFT"].action is TradeAction.HOLD
    assert any("research unavailable" in c for c in by_ticker["MSFT"].clamps)
