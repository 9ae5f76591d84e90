"""The ``research`` assistant through the real ``langgraph-sdk`` client against a live server.

A research run on a thread is a turn of a research session: its plan and each tool call stream
as ``custom`` events, its answer as ``messages-tuple`` AI message chunks; the thread's state is
the session (checkpointed), so a follow-up run on the same thread sees the first question and
answer. Rules-only on the embedded stack (no LLM configured); with the local tool-calling model
(the OpenAI wire) the native agent's understand and draft check stream too. Nothing reaches a
broker.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from langgraph_sdk import get_client
from pydantic import SecretStr

from api.server.app import create_app
from api.server.auth import ApiKey
from config.settings import Settings
from tests.fakes.research_llm_server import FakeResearchModel, running_research_model
from tests.integration.server.conftest import API_KEY, AS_OF
from tests.integration.server.helpers import ledger_orders
from tests.integration.server.live_server import LiveServer, serving
from tools.clock import FixedClock

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

ALL_MODES: list[Any] = ["values", "updates", "custom", "messages-tuple"]


async def _turn(url: str, thread_id: str, body: dict[str, Any]) -> list[Any]:
    client = get_client(url=url, api_key=API_KEY)
    stream = client.runs.stream(thread_id, "research", input=body, stream_mode=ALL_MODES)
    return [p async for p in stream]


async def _values(url: str, thread_id: str) -> dict[str, Any]:
    values = (await get_client(url=url, api_key=API_KEY).threads.get_state(thread_id))["values"]
    assert isinstance(values, dict)
    return values


def _customs(parts: list[Any], kind: str) -> list[dict[str, Any]]:
    return [p.data for p in parts if p.event == "custom" and p.data["kind"] == kind]


def _answer_text(parts: list[Any]) -> tuple[str, dict[str, Any]]:
    """The streamed AI message, joined from its chunks (one message id), and its metadata."""
    chunks = [p.data for p in parts if p.event == "messages"]
    assert chunks, "the answer streams as messages-tuple chunks"
    assert {c[0]["id"] for c in chunks} == {chunks[0][0]["id"]}
    assert all(c[0]["type"] == "AIMessageChunk" for c in chunks)
    return "".join(c[0]["content"] for c in chunks), chunks[0][1]


async def test_a_research_run_streams_its_tool_calls_and_answer_and_a_follow_up_sees_it(
    live_api: LiveServer, api_settings: Settings
) -> None:
    client = get_client(url=live_api.url, api_key=API_KEY)
    thread_id = (await client.threads.create())["thread_id"]
    parts = await _turn(
        live_api.url,
        thread_id,
        {"question": "How has AAPL traded lately?", "tickers": ["aapl"], "depth": "quick"},
    )
    names = [p.event for p in parts]
    assert names[0] == "metadata" and names[-1] == "end", names
    (plan,) = _customs(parts, "plan")
    assert plan["tasks"] and {t["ticker"] for t in plan["tasks"]} == {"AAPL"}
    tools = _customs(parts, "tool")
    assert len(tools) >= 2 and all(t["args"]["ticker"] == "AAPL" for t in tools)
    assert names.index("custom") < names.index("messages"), "progress comes before the answer"

    answer = (await _values(live_api.url, thread_id))["answer"]
    text, meta = _answer_text(parts)
    assert text.startswith(answer["summary"])
    assert all(point in text for point in answer["key_points"])
    assert meta["stance"] == answer["stance"] and meta["confidence"] == answer["confidence"]
    assert meta["rules_only"] is True and answer["rules_only"] is True
    # every tool call streamed is a source of the answer, with the same arguments
    streamed = {t["call_id"]: t["args"] for t in tools if t["status"] == "ok"}
    assert {s["call_id"]: s["args"] for s in answer["sources"]} == streamed
    final_values = [p.data for p in parts if p.event == "values"][-1]
    assert final_values["answer"] == answer

    # the follow-up names no ticker: the session remembers it and builds on the first answer
    follow = await _turn(live_api.url, thread_id, {"question": "And what does that mean now?"})
    again = await _values(live_api.url, thread_id)
    assert again["answer"]["tickers"] == ["AAPL"]
    assert f"builds on the earlier answer: {answer['summary']}" in again["answer"]["key_points"]
    assert [h["question"] for h in again["history"]] == [
        "How has AAPL traded lately?",
        "And what does that mean now?",
    ]
    assert _answer_text(follow)[0].startswith(again["answer"]["summary"])
    history = await client.threads.get_history(thread_id, limit=10)
    latest = history[0]["values"]
    assert isinstance(latest, dict) and latest["answer"] == again["answer"]
    assert (await client.threads.get(thread_id))["status"] == "idle"
    assert ledger_orders(api_settings, thread_id) == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"question": "ok?", "tickers": ["1BAD"]}, ["tickers"]),
        ({"question": "ok?", "depth": "forever"}, ["depth"]),
        ({"question": "ok?", "tickers": ["AAPL"], "colour": "red"}, ["colour"]),
        ({"tickers": ["AAPL"]}, []),
        ({"template": "compare", "tickers": ["AAPL"]}, ["tickers"]),
        ({"template": "explain-run"}, ["run"]),
        ({"template": "nonsense", "tickers": ["AAPL"]}, ["template"]),
        ({"question": "ok?", "as_of": "yesterday"}, ["as_of"]),
    ],
)
def test_bad_research_input_is_a_422_naming_the_field(
    live_api: LiveServer, body: dict[str, Any], field: list[str]
) -> None:
    with httpx.Client(base_url=live_api.url, headers={"x-api-key": API_KEY}, timeout=60) as http:
        thread = http.post("/threads", json={}).json()["thread_id"]
        answer = http.post(
            f"/threads/{thread}/runs/stream", json={"assistant_id": "research", "input": body}
        )
        assert answer.status_code == 422, answer.text
        locs = [e["loc"] for e in answer.json()["detail"]]
        assert any(loc[:3] == ["body", "input", *field][:3] for loc in locs), locs
        assert any(loc[: 2 + len(field)] == ["body", "input", *field] for loc in locs), locs
        assert http.get(f"/threads/{thread}/runs").json() == [], "nothing ran"


@pytest.fixture(scope="module")
def research_model() -> Iterator[FakeResearchModel]:
    with running_research_model() as fake:
        yield fake


@pytest.fixture
def llm_api(api_settings: Settings, research_model: FakeResearchModel) -> Iterator[LiveServer]:
    research_model.reset()
    settings = api_settings.model_copy(
        update={
            "llm_provider": "openai",
            "llm_model": "test-model",
            "openai_base_url": research_model.openai_url,
            "openai_api_key": SecretStr("sk-test"),
        }
    )
    app = create_app(settings, key=ApiKey(API_KEY), clock=FixedClock(AS_OF))
    with serving(app) as server:
        yield server


async def test_with_a_model_the_native_agent_streams_its_plan_tool_calls_and_draft_check(
    llm_api: LiveServer, research_model: FakeResearchModel
) -> None:
    client = get_client(url=llm_api.url, api_key=API_KEY)
    thread_id = (await client.threads.create())["thread_id"]
    parts = await _turn(
        llm_api.url, thread_id, {"question": "How has MSFT traded?", "tickers": ["MSFT"]}
    )
    (understood,) = _customs(parts, "understood")
    assert understood["tickers"] == ["MSFT"]
    assert _customs(parts, "plan")
    tools = _customs(parts, "tool")
    assert tools and all(t["args"]["ticker"] == "MSFT" for t in tools)
    drafts = _customs(parts, "draft")
    assert drafts and drafts[-1]["errors"] == []
    answer = (await _values(llm_api.url, thread_id))["answer"]
    assert answer["rules_only"] is False and answer["validated"] is True
    text, meta = _answer_text(parts)
    assert text.startswith(answer["summary"]) and meta["stance"] == answer["stance"]
    assert {s["call_id"] for s in answer["sources"]} <= {t["call_id"] for t in tools}
    assert "understand" in research_model.kinds()

    # a follow-up run on the thread: the model is shown the first question and answer
    research_model.reset()
    await _turn(llm_api.url, thread_id, {"question": "Is that supported by the news?"})
    shown = research_model.seen[0].messages[1]["content"]
    assert "How has MSFT traded?" in shown and answer["summary"] in shown


async def test_a_cancelled_research_run_ends_with_its_turn_and_the_thread_goes_on(
    llm_api: LiveServer, research_model: FakeResearchModel
) -> None:
    research_model.reset(delay_seconds=0.5)  # a slow model: the run is cancelled mid-turn
    client = get_client(url=llm_api.url, api_key=API_KEY)
    thread_id = (await client.threads.create())["thread_id"]
    asked: dict[str, Any] = {"question": "How has MSFT traded?", "tickers": ["MSFT"]}
    run = await client.runs.create(thread_id, "research", input=asked)
    while not research_model.seen:  # the turn is under way
        await asyncio.sleep(0.05)
    await client.runs.cancel(thread_id, run["run_id"], wait=True)
    ended = await client.runs.get(thread_id, run["run_id"])
    assert ended["status"] == "interrupted"
    assert (await client.threads.get(thread_id))["status"] == "idle"
    # the turn ran to its end before the run ended: the session is whole, and goes on
    first = (await _values(llm_api.url, thread_id))["history"]
    assert [h["question"] for h in first] == ["How has MSFT traded?"]
    research_model.reset()
    await _turn(llm_api.url, thread_id, {"question": "Is that supported by the news?"})
    again = (await _values(llm_api.url, thread_id))["history"]
    assert [h["question"] for h in again] == [
        "How has MSFT traded?",
        "Is that supported by the news?",
    ]
