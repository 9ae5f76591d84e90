"""The native research subgraph against a local model on the OpenAI and Ollama wire formats."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from mazo_bridge.answer import StopReason
from mazo_bridge.native_agent import NativeResearchAgent
from tests.fakes.research_llm_server import INVENTED, FakeResearchModel

pytestmark = pytest.mark.integration

AS_OF = datetime(2025, 6, 2, 21, 0, tzinfo=UTC)
QUESTION = "How has AAPL traded and what do insiders do?"

Agent = Callable[..., NativeResearchAgent]


async def test_plan_tools_at_the_as_of_and_an_answer_citing_them(
    model: FakeResearchModel, agent_for: Agent, provider: str
) -> None:
    events: list[tuple[str, dict[str, Any]]] = []
    answer = await agent_for(provider).research(
        QUESTION, ["AAPL"], as_of=AS_OF, depth="quick", progress=lambda k, d: events.append((k, d))
    )
    assert answer.validated and answer.stop_reason is StopReason.ANSWERED, answer.validation_errors
    assert not answer.rules_only
    kinds = model.kinds()
    assert kinds[:2] == ["understand", "plan"] and kinds[-1] == "draft"
    assert {k for k in kinds[2:-1]} == {"act"}
    # the plan: one task per planned tool, all carried out with point-in-time calls
    plan = next(d for k, d in events if k == "plan")
    assert [t["tool"] for t in plan["tasks"]] == [
        "get_prices",
        "get_financial_metrics",
        "get_news",
        "get_insider_trades",
    ]
    tools = [d for k, d in events if k == "tool"]
    assert [t["tool"] for t in tools] == [t["tool"] for t in plan["tasks"]]
    assert all(t["status"] == "ok" and t["args"]["ticker"] == "AAPL" for t in tools)
    assert all(s.as_of == AS_OF for s in answer.sources)
    # the tool results the model saw hold what the answer quotes, and the answer cites them
    draft_request = model.seen[-1]
    results = [json.loads(m["content"]) for m in draft_request.messages if m["role"] == "tool"]
    prices = next(r for r in results if "last_close" in r["result"])["result"]
    assert prices["as_of"] == AS_OF.isoformat() and prices["last_date"] <= "2025-06-02"
    assert f"last close {prices['last_close']}" in answer.summary
    assert {s.call_id for s in answer.sources} >= {
        r["call_id"] for r in results if "last_close" in r["result"]
    }
    assert answer.usage.tool_calls == 4 and answer.usage.llm_calls == len(kinds)
    assert answer.usage.tokens == len(kinds) * 240  # the usage the server reported, all counted


async def test_a_model_repeating_one_call_is_stopped_at_its_budget(
    model: FakeResearchModel, agent_for: Agent, provider: str
) -> None:
    model.reset(mode="repeat")
    answer = await agent_for(provider).research(QUESTION, ["AAPL"], as_of=AS_OF, depth="quick")
    assert answer.stop_reason is StopReason.TOOL_CALL_BUDGET
    assert answer.usage.tool_calls == 1  # the repeat ran once ...
    assert answer.usage.refused_calls == 3  # ... and was refused until the budget of 4 ended
    acts = [s for s in model.seen if s.kind == "act"]
    assert len(acts) == 4
    refusals = [
        json.loads(m["content"])
        for m in acts[-1].messages
        if m["role"] == "tool" and "refused" in m["content"]
    ]
    assert len(refusals) == 2 and "repeat of t1.call_1" in refusals[0]["result"]["refused"]


async def test_deep_spends_more_steps_and_tool_calls_than_quick(
    model: FakeResearchModel, agent_for: Agent, provider: str
) -> None:
    question = "Compare AAPL and MSFT"
    agent = agent_for(provider)
    quick = await agent.research(question, [], as_of=AS_OF, depth="quick")
    deep = await agent.research(question, [], as_of=AS_OF, depth="deep")
    assert quick.stop_reason is StopReason.TOOL_CALL_BUDGET
    assert deep.stop_reason is StopReason.ANSWERED and deep.validated
    assert quick.usage.tool_calls == 4 and deep.usage.tool_calls == 8
    assert deep.usage.planning_steps > quick.usage.planning_steps
    assert deep.usage.llm_calls > quick.usage.llm_calls
    assert {s.args["ticker"] for s in deep.sources} == {"AAPL", "MSFT"}


async def test_a_number_no_tool_returned_fails_validation(
    model: FakeResearchModel, agent_for: Agent, provider: str
) -> None:
    model.reset(mode="invent")
    answer = await agent_for(provider).research(QUESTION, ["AAPL"], as_of=AS_OF, depth="quick")
    assert not answer.validated
    assert f"number {INVENTED} is in no tool output" in answer.validation_errors
    assert answer.stop_reason is StopReason.PLANNING_BUDGET


async def test_a_failed_draft_is_repaired_with_feedback_when_steps_remain(
    model: FakeResearchModel, agent_for: Agent, provider: str
) -> None:
    model.reset(mode="invent")
    answer = await agent_for(provider).research(QUESTION, ["AAPL"], as_of=AS_OF, depth="deep")
    plans = [s for s in model.seen if s.kind == "plan"]
    feedback = [
        json.loads(m["content"].split("<state>\n")[1].split("\n</state>")[0])
        for m in plans[-1].messages
        if m["role"] == "user"
    ]
    assert any(
        f"number {INVENTED} is in no tool output" in f for f in feedback[0]["validation_feedback"]
    )
    assert not answer.validated  # this model invents again: plan, review and repair steps all spent


async def test_the_token_budget_stops_the_agent_by_name(
    model: FakeResearchModel, agent_for: Agent, provider: str
) -> None:
    model.reset(prompt_tokens=3000)
    answer = await agent_for(provider).research(QUESTION, ["AAPL"], as_of=AS_OF, depth="quick")
    assert answer.stop_reason is StopReason.TOKEN_BUDGET and not answer.validated
    assert answer.usage.tokens <= 8_000 + 3040


async def test_an_unreachable_model_is_llm_failed_not_an_exception(
    agent_for: Agent, provider: str, settings_for: Callable[..., Any]
) -> None:
    from mazo_bridge.chat_factory import research_chat_factory
    from tools.market_data.offline import OfflineMarketData

    settings = settings_for(provider).model_copy(
        update={"openai_base_url": "http://127.0.0.1:9/v1", "ollama_host": "http://127.0.0.1:9"}
    )
    chat_for = research_chat_factory(settings)
    assert chat_for is not None
    answer = await NativeResearchAgent(OfflineMarketData(), chat_for).research(
        QUESTION, ["AAPL"], as_of=AS_OF, depth="quick"
    )
    assert answer.stop_reason is StopReason.LLM_FAILED and not answer.validated
    assert "understand" in answer.validation_errors[0]


async def test_the_wall_time_budget_stops_the_agent_by_name(
    model: FakeResearchModel, agent_for: Agent, provider: str
) -> None:
    model.reset(delay_seconds=0.4)
    agent = agent_for(provider)
    agent.wall_cap_seconds = 1.0  # the configured research timeout caps the depth's wall time
    answer = await agent.research(QUESTION, ["AAPL"], as_of=AS_OF, depth="deep")
    assert answer.stop_reason is StopReason.WALL_TIME and not answer.validated
    assert answer.usage.wall_seconds < 3
    assert 1 <= len(model.seen) <= 4


async def test_an_identical_research_is_served_from_the_prompt_cache(
    model: FakeResearchModel, agent_for: Agent, provider: str
) -> None:
    agent = agent_for(provider, llm={"cache": "sqlite"})
    first = await agent.research(QUESTION, ["AAPL"], as_of=AS_OF, depth="quick")
    paid = len(model.seen)
    again = await agent.research(QUESTION, ["AAPL"], as_of=AS_OF, depth="quick")
    assert len(model.seen) == paid  # every turn answered from the cache
    assert again.summary == first.summary and again.usage.tokens == 0
