"""The LLM layer's pure parts: strict parsing, the fail-closed budget, the limiter, routing."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field

from config.settings import ConfigError, load_settings
from tools.llm import LLMError, LLMFailure, RoutedLLM, build_llm, llm_for
from tools.llm.budget import BudgetLimits, RunBudget
from tools.llm.limiter import ConcurrencyLimiter
from tools.llm.parsing import parse_answer


class Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    signal: Literal["bullish", "bearish", "neutral"]
    confidence: float = Field(ge=0, le=1)


@pytest.mark.parametrize(
    "text",
    [
        '{"signal": "bullish", "confidence": 0.5}',
        '```json\n{"signal": "bullish", "confidence": 0.5}\n```',
        'Sure! Here it is: {"signal": "bullish", "confidence": 0.5} Hope that helps.',
    ],
)
def test_parse_accepts_json_wrapped_in_chatter(text: str) -> None:
    assert parse_answer(text, Answer) == Answer(signal="bullish", confidence=0.5)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("I would buy it", LLMFailure.UNPARSABLE),
        ("[1, 2, 3]", LLMFailure.UNPARSABLE),
        ("{not json}", LLMFailure.UNPARSABLE),
        ('{"signal": "moon", "confidence": 0.5}', LLMFailure.INVALID_ANSWER),
        ('{"signal": "bullish", "confidence": 1e9}', LLMFailure.INVALID_ANSWER),
        ('{"signal": "bullish", "confidence": 0.5, "limit": "none"}', LLMFailure.INVALID_ANSWER),
        ('{"signal": "bullish"}', LLMFailure.INVALID_ANSWER),
    ],
)
def test_parse_rejects_with_a_reason(text: str, reason: LLMFailure) -> None:
    with pytest.raises(LLMError) as caught:
        parse_answer(text, Answer)
    assert caught.value.reason == reason


def test_budget_reserves_settles_and_fails_closed() -> None:
    budget = RunBudget(BudgetLimits(max_tokens=1000, max_cost_usd=1.0, reserve_output_tokens=300))
    first = budget.reserve(100)  # holds 400
    second = budget.reserve(100)  # holds 800 in flight
    with pytest.raises(LLMError) as caught:
        budget.reserve(100)  # 1200 > 1000 while both are in flight
    assert caught.value.reason == LLMFailure.BUDGET_EXHAUSTED
    budget.settle(first, 100, 50)
    budget.release(second)
    assert budget.spent_tokens == 150
    budget.reserve(100)  # 150 + 400 fits again


def test_cost_budget_binds_independently_of_tokens() -> None:
    limits = BudgetLimits(
        max_tokens=10**9,
        max_cost_usd=0.01,
        input_cost_per_1k=1.0,
        output_cost_per_1k=1.0,
        reserve_output_tokens=0,
    )
    budget = RunBudget(limits)
    hold = budget.reserve(5)
    budget.settle(hold, 5, 4)  # $0.009
    with pytest.raises(LLMError, match="cost budget"):
        budget.reserve(5)


async def test_limiter_bounds_concurrency_and_rejects_nonsense() -> None:
    limiter = ConcurrencyLimiter(3)
    running = peak = 0

    async def job() -> None:
        nonlocal running, peak
        async with limiter.slot():
            running += 1
            peak = max(peak, running)
            await asyncio.sleep(0.01)
            running -= 1

    await asyncio.gather(*(job() for _ in range(10)))
    assert peak == 3
    with pytest.raises(ValueError, match="concurrency limit"):
        ConcurrencyLimiter(0)


async def test_routing_sends_a_rules_only_analyst_nowhere() -> None:
    routed = RoutedLLM(None, {"sentiment": None})
    assert llm_for(routed, "analyst:sentiment") is None
    assert routed.route("analyst:sentiment:AAPL") is None
    assert llm_for(routed, "portfolio_manager") is None
    assert llm_for(None, "analyst:x") is None
    with pytest.raises(LLMError):
        await routed.ainvoke_structured(system="s", user="u", schema=Answer, purpose="analyst:x")


def test_factory_rules_only_and_config_errors(tmp_path: Path) -> None:
    assert build_llm(load_settings(llm_provider="none", hedgegraph_home=tmp_path)) is None
    with pytest.raises(ConfigError, match="REDIS_URL"):
        build_llm(
            load_settings(
                llm_provider="ollama",
                hedgegraph_home=tmp_path,
                redis_url=None,
                llm={"cache": "redis"},
            )
        )
    routed = build_llm(
        load_settings(
            llm_provider="none",
            hedgegraph_home=tmp_path,
            llm={"analyst_providers": {"sentiment": "ollama"}, "cache": "none"},
        )
    )
    assert isinstance(routed, RoutedLLM)
    assert llm_for(routed, "portfolio_manager:AAPL") is None  # the PM stays rules-only
    assert llm_for(routed, "analyst:technicals:AAPL") is None
    sentiment = llm_for(routed, "analyst:sentiment:AAPL")
    assert sentiment is not None and sentiment.model_name == "llama3.1"
