"""A client that goes away, or cancels, while ``execute`` is sending: every order keeps its record.

Why it matters: the systems we replace ran the graph inside the HTTP response, so a client that
hung up in the middle of the order step left an order at the broker that nothing recorded. Here
the run lives in a background task: a disconnect changes nothing, and a cancel waits for the
running step (execute) and for record before it takes effect.

The broker is the engine's own local paper broker; its submissions are held at a gate the test
opens, so the disconnect and the cancel land while an order is in flight.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from langgraph_sdk import get_client

from graph.engine import TradingEngine
from tests.integration.server.conftest import API_KEY
from tests.integration.server.helpers import BrokerGate, held_submissions, trading_input
from tests.integration.server.live_server import LiveServer
from tools.brokers.paper import PaperBroker

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]


@pytest.fixture
def gate(live_api: LiveServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[BrokerGate]:
    with held_submissions(live_api.app, monkeypatch) as held:
        yield held


async def _start_streaming(
    http: httpx.AsyncClient, thread_id: str
) -> tuple[str, asyncio.Task[None]]:
    """POST a streaming autonomous run; returns its run id and the task reading the stream."""
    body = {
        "assistant_id": "trading",
        "input": trading_input("autonomous"),
        "stream_mode": ["custom"],
    }
    started: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    async def read() -> None:
        async with http.stream(
            "POST",
            f"/threads/{thread_id}/runs/stream",
            json=body,
            headers={"accept": "text/event-stream"},
        ) as response:
            assert response.status_code == 200, await response.aread()
            started.set_result(response.headers["content-location"].rstrip("/").split("/")[-1])
            async for _line in response.aiter_lines():
                pass

    reader = asyncio.create_task(read())
    return await asyncio.wait_for(started, 60), reader


def _every_sent_order_recorded(engine: TradingEngine, thread_id: str) -> list[Any]:
    broker = engine.context.broker
    assert isinstance(broker, PaperBroker)
    sent = broker.all_orders()  # a fresh home: every order at this broker is the run's
    recorded = {o.client_order_id for o in engine.ledger.orders_for_thread(thread_id)}
    audited = {
        cid for d in engine.ledger.decisions_for_thread(thread_id) for cid in d.order_client_ids
    }
    assert sent, "precondition: the cycle sent an order"
    assert {o.client_order_id for o in sent} <= recorded, "an order at the broker has no record"
    assert {o.client_order_id for o in sent} <= audited, "an order has no decision row"
    assert len(sent) == len({o.client_order_id for o in sent}), "each order once"
    return sent


async def test_a_client_gone_in_the_middle_of_execute_leaves_every_order_recorded(
    live_api: LiveServer, gate: BrokerGate
) -> None:
    client = get_client(url=live_api.url, api_key=API_KEY)
    thread_id = (await client.threads.create())["thread_id"]
    async with httpx.AsyncClient(base_url=live_api.url, headers={"x-api-key": API_KEY}) as http:
        run_id, reader = await _start_streaming(http, thread_id)
        assert await asyncio.to_thread(gate.submitting.wait, 60), "precondition: execute runs"
        reader.cancel()  # the client hangs up while an order is in flight
        with pytest.raises(asyncio.CancelledError):
            await reader
    assert (await client.runs.get(thread_id, run_id))["status"] == "running"
    gate.release.set()
    await client.runs.join(thread_id, run_id)

    assert (await client.runs.get(thread_id, run_id))["status"] == "success"
    engine: TradingEngine = live_api.app.state.engine
    sent = _every_sent_order_recorded(engine, thread_id)
    replay = client.runs.join_stream(thread_id, run_id, last_event_id="0", stream_mode=["custom"])
    events = [p async for p in replay]
    finished = [p.data for p in events if p.event == "custom" and p.data["kind"] == "finished"]
    assert [f["status"] for f in finished] == ["completed"], "the run finished, once"
    streamed = {
        p.data["order"]["client_order_id"]
        for p in events
        if p.event == "custom" and p.data["kind"] == "order_update"
    }
    assert streamed == {o.client_order_id for o in sent}


async def test_a_cancel_during_execute_waits_for_execute_and_record(
    live_api: LiveServer, gate: BrokerGate
) -> None:
    client = get_client(url=live_api.url, api_key=API_KEY)
    thread_id = (await client.threads.create())["thread_id"]
    async with httpx.AsyncClient(base_url=live_api.url, headers={"x-api-key": API_KEY}) as http:
        run_id, reader = await _start_streaming(http, thread_id)
        assert await asyncio.to_thread(gate.submitting.wait, 60), "precondition: execute runs"
        cancelled = await http.post(f"/threads/{thread_id}/runs/{run_id}/cancel")
        assert cancelled.status_code == 202, cancelled.text
        await asyncio.sleep(0.5)
        assert (await client.runs.get(thread_id, run_id))["status"] == "running", (
            "the cancel must wait for execute's submission"
        )
        gate.release.set()
        await asyncio.wait_for(reader, 120)  # the stream ends once the run has drained

    assert (await client.runs.get(thread_id, run_id))["status"] == "interrupted"
    engine: TradingEngine = live_api.app.state.engine
    _every_sent_order_recorded(engine, thread_id)
    values = (await client.threads.get_state(thread_id))["values"]
    assert isinstance(values, dict) and values.get("recorded") is True, (
        "record ran before the cancel took effect"
    )
