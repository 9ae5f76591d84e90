"""``messages-tuple``: a client that asks for it gets each LLM answer of the cycle as ``messages``.

The real ``langgraph-sdk`` client streams a run from the real uvicorn server; the analysts and
the portfolio manager talk to a local LLM server over the OpenAI wire format (the real
``openai`` client on loopback). Every LLM-sourced verdict and decision the cycle reports in its
``custom`` events comes as one ``messages`` event ``[AIMessageChunk, metadata]`` (our providers
answer whole, the way LangGraph emits a model that did not stream); rules-only runs carry none.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from langgraph_sdk import get_client

from api.server.app import create_app
from api.server.auth import ApiKey
from config.settings import Settings, load_settings
from tests.fakes.llm_server import FakeLLM, running_llm_server
from tests.integration.server.conftest import API_KEY, AS_OF
from tests.integration.server.helpers import trading_input
from tests.integration.server.live_server import LiveServer, serving
from tools.clock import FixedClock

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]


@pytest.fixture
def llm() -> Iterator[FakeLLM]:
    with running_llm_server() as fake:
        yield fake


@pytest.fixture
def llm_api(api_settings: Settings, llm: FakeLLM) -> Iterator[LiveServer]:
    settings = load_settings(
        **{
            **api_settings.model_dump(include={"hedgegraph_home", "hedgegraph_api_key"}),
            "redis_url": None,
            "llm_provider": "openai",
            "llm_model": "test-model",
            "openai_base_url": llm.openai_url,
            "openai_api_key": "sk-test",
            "llm": {
                "request_timeout_seconds": 15,
                "max_attempts": 2,
                "retry_backoff_seconds": 0.01,
            },
        }
    )
    app = create_app(settings, key=ApiKey(API_KEY), clock=FixedClock(AS_OF))
    with serving(app) as server:
        yield server


def _llm_answers(custom: list[dict[str, Any]]) -> list[dict[str, Any]]:
    verdicts = [
        e for e in custom if e["kind"] == "analyst_verdict" and e["verdict"]["source"] == "llm"
    ]
    decisions = [
        e
        for e in custom
        if e["kind"] == "pm_decision" and e["decision"]["policy"].startswith("llm:")
    ]
    return verdicts + decisions


async def test_each_llm_answer_streams_as_a_message_tuple(
    llm_api: LiveServer, llm: FakeLLM
) -> None:
    client = get_client(url=llm_api.url, api_key=API_KEY)
    thread_id = (await client.threads.create())["thread_id"]
    parts = [
        p
        async for p in client.runs.stream(
            thread_id,
            "trading",
            input=trading_input("autonomous"),
            stream_mode=["messages-tuple", "custom"],
        )
    ]
    assert {p.event for p in parts} == {"metadata", "custom", "messages", "end"}
    answered = _llm_answers([p.data for p in parts if p.event == "custom"])
    assert answered and llm.count > 0, "precondition: the model judged and decided"
    messages = [p.data for p in parts if p.event == "messages"]
    assert len(messages) == len(answered), "one message per LLM answer, none for rules"
    for (chunk, metadata), event in zip(messages, answered, strict=True):
        assert chunk["type"] == "AIMessageChunk" and chunk["id"]
        assert metadata["ticker"] == event["ticker"]
        assert metadata["langgraph_node"] == event["node"]
        assert metadata["run_id"] == event["run_id"]
        answer = event.get("verdict") or event["decision"]
        assert chunk["content"] == answer["reasoning"]
    assert {m[1]["ls_model_name"] for m in messages if "ls_model_name" in m[1]} <= {"test-model"}
    assert len({chunk["id"] for chunk, _ in messages}) == len(messages)

    # the same run joined for messages only: the messages and nothing of the other modes
    run_id = parts[0].data["run_id"]
    joined = [
        p
        async for p in client.runs.join_stream(
            thread_id, run_id, stream_mode="messages-tuple", last_event_id="0"
        )
    ]
    assert [p.data for p in joined if p.event == "messages"] == messages
    assert {p.event for p in joined} == {"metadata", "messages", "end"}


async def test_a_rules_only_run_asked_for_messages_sends_none(live_api: LiveServer) -> None:
    client = get_client(url=live_api.url, api_key=API_KEY)
    thread_id = (await client.threads.create())["thread_id"]
    parts = [
        p
        async for p in client.runs.stream(
            thread_id, "trading", input=trading_input(), stream_mode=["values", "messages-tuple"]
        )
    ]
    assert parts[0].event == "metadata" and parts[-1].event == "end"
    assert "messages" not in {p.event for p in parts}, "no model spoke"
    assert any(p.event == "values" for p in parts)
