"""A client that drops its SSE stream mid-run and reconnects with ``Last-Event-ID``.

Why it matters: the systems we replace either cancelled the run with the connection (an order
sent, never recorded) or replayed nothing (the client missed fills). Here the run goes on without
its client, and the reconnect (the real ``langgraph-sdk`` ``join_stream``) replays exactly what
was missed: the frames before the drop plus those after equal the whole log, once each; the
cycle finished once and each order is at the broker once. With REDIS_URL the same holds when the
reconnect lands on another server.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx
import pytest
from langgraph_sdk import get_client

from api.server.app import create_app
from api.server.auth import ApiKey
from config.settings import Settings
from tests.integration.server.conftest import API_KEY, AS_OF
from tests.integration.server.helpers import MODES, ledger_orders, sse_frames, trading_input
from tests.integration.server.live_server import LiveServer, serving
from tools.clock import FixedClock

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]


async def _frames_until_drop(
    http: httpx.AsyncClient, path: str, body: dict[str, Any], keep: int
) -> tuple[list[tuple[str, str, Any]], str]:
    """POST a streaming run, read ``keep`` frames that carry an id, then hang up."""
    frames: list[tuple[str, str, Any]] = []
    async with http.stream("POST", path, json=body, headers={"accept": "text/event-stream"}) as r:
        assert r.status_code == 200, await r.aread()
        location = r.headers["location"]
        async for frame in sse_frames(r.aiter_lines()):
            frames.append((frame.id, frame.event, frame.data))
            if len(frames) >= keep:
                break  # leaving the block closes the connection mid-run
    return frames, location


async def test_a_dropped_stream_resumes_after_its_last_event_with_nothing_lost_or_twice(
    live_api: LiveServer, api_settings: Settings
) -> None:
    client = get_client(url=live_api.url, api_key=API_KEY)
    thread_id = (await client.threads.create())["thread_id"]
    body = {
        "assistant_id": "trading",
        "input": trading_input("autonomous"),
        "stream_mode": MODES,
    }
    async with httpx.AsyncClient(base_url=live_api.url, headers={"x-api-key": API_KEY}) as http:
        before, location = await _frames_until_drop(
            http, f"/threads/{thread_id}/runs/stream", body, keep=4
        )
    run_id = location.rstrip("/").split("/")[-2]
    assert before[0][1] == "metadata" and before[0][2]["run_id"] == run_id
    assert all(ident for ident, _, _ in before), "every frame carries its id"
    # the run was still going when the client left (the cycle has far more than 4 events)
    last_seen = before[-1][0]

    after = [
        (p.id, p.event, p.data)
        async for p in client.runs.join_stream(
            thread_id, run_id, last_event_id=last_seen, stream_mode=MODES
        )
    ]
    replay = [
        (p.id, p.event, p.data)
        async for p in client.runs.join_stream(
            thread_id, run_id, last_event_id="0", stream_mode=MODES
        )
    ]
    assert before + after == replay, "the frames before the drop plus after are the whole log"
    ids = [int(i or 0) for i, _, _ in replay]
    assert ids == sorted(set(ids)), "ids only grow, none repeats"
    assert replay[-1][1] == "end"
    finished = [d for _, e, d in replay if e == "custom" and d["kind"] == "finished"]
    assert len(finished) == 1 and finished[0]["status"] == "completed"

    run = await client.runs.get(thread_id, run_id)
    assert run["status"] == "success"
    orders = ledger_orders(api_settings, thread_id)
    assert orders, "the autonomous cycle sent its approved entry"
    assert len({o.client_order_id for o in orders}) == len(orders), "each order once"
    placed = [d for _, e, d in replay if e == "custom" and d["kind"] == "order_update"]
    assert {d["order"]["client_order_id"] for d in placed} == {o.client_order_id for o in orders}


async def test_a_reconnect_to_another_server_replays_from_redis(
    api_settings: Settings, redis_url: str
) -> None:
    """Two servers (each its own app, event loop, run manager and Redis client) over one real
    Redis and one home: the client drops its stream on the first and rejoins on the second."""
    shared = api_settings.model_copy(update={"redis_url": redis_url})
    first_app = create_app(shared, key=ApiKey(API_KEY), clock=FixedClock(AS_OF))
    second_app = create_app(shared, key=ApiKey(API_KEY), clock=FixedClock(AS_OF))
    with serving(first_app) as first, serving(second_app) as second:
        starter = get_client(url=first.url, api_key=API_KEY)
        thread_id = (await starter.threads.create())["thread_id"]
        body = {
            "assistant_id": "trading",
            "input": trading_input("autonomous"),
            "stream_mode": MODES,
        }
        async with httpx.AsyncClient(base_url=first.url, headers={"x-api-key": API_KEY}) as http:
            before, location = await _frames_until_drop(
                http, f"/threads/{thread_id}/runs/stream", body, keep=4
            )
        run_id = location.rstrip("/").split("/")[-2]
        assert all(re.match(r"^\d+-\d+$", i) for i, _, _ in before), "Redis stream ids"

        other = get_client(url=second.url, api_key=API_KEY)
        after = [
            (p.id, p.event, p.data)
            async for p in other.runs.join_stream(
                thread_id, run_id, last_event_id=before[-1][0], stream_mode=MODES
            )
        ]
        replay = [
            (p.id, p.event, p.data)
            async for p in other.runs.join_stream(
                thread_id, run_id, last_event_id="0-0", stream_mode=MODES
            )
        ]
        assert before + after == replay
        assert len({i for i, _, _ in replay}) == len(replay)
        assert replay[-1][1] == "end"
        finished = [d for _, e, d in replay if e == "custom" and d["kind"] == "finished"]
        assert len(finished) == 1 and finished[0]["status"] == "completed"
        assert (await starter.runs.get(thread_id, run_id))["status"] == "success"
    orders = ledger_orders(api_settings, thread_id)
    assert orders and len({o.client_order_id for o in orders}) == len(orders)


@pytest.mark.parametrize("shared_log", [False, True], ids=["in-process", "redis"])
async def test_a_reader_that_saw_the_end_gets_no_stream_left_hanging(
    api_settings: Settings, request: pytest.FixtureRequest, shared_log: bool
) -> None:
    update = {"redis_url": request.getfixturevalue("redis_url")} if shared_log else {}
    app = create_app(
        api_settings.model_copy(update=update), key=ApiKey(API_KEY), clock=FixedClock(AS_OF)
    )
    with serving(app) as server:
        client = get_client(url=server.url, api_key=API_KEY)
        thread_id = (await client.threads.create())["thread_id"]
        two: dict[str, Any] = {"tickers": ["AAPL", "MSFT"], "mode": "signal"}
        run = await client.runs.create(thread_id, "trading", input=two)
        await client.runs.join(thread_id, run["run_id"])
        first = "0-0" if shared_log else "0"
        whole = [
            p async for p in client.runs.join_stream(thread_id, run["run_id"], last_event_id=first)
        ]
        assert whole[-1].event == "end"

        async def rest() -> list[Any]:
            return [
                p
                async for p in client.runs.join_stream(
                    thread_id, run["run_id"], last_event_id=whole[-1].id
                )
            ]

        assert await asyncio.wait_for(rest(), timeout=30) == []


@pytest.mark.parametrize("shared_log", [False, True], ids=["in-process", "redis"])
async def test_a_last_event_id_of_the_wrong_form_is_a_400_before_any_stream(
    api_settings: Settings, request: pytest.FixtureRequest, shared_log: bool
) -> None:
    """An id this server's log never issues is refused up front (it used to fail inside the
    stream, after the 200); a bare ``0`` replays the whole run on either log."""
    update = {"redis_url": request.getfixturevalue("redis_url")} if shared_log else {}
    app = create_app(
        api_settings.model_copy(update=update), key=ApiKey(API_KEY), clock=FixedClock(AS_OF)
    )
    with serving(app) as server:
        client = get_client(url=server.url, api_key=API_KEY)
        thread_id = (await client.threads.create())["thread_id"]
        two: dict[str, Any] = {"tickers": ["AAPL", "MSFT"], "mode": "signal"}
        run = await client.runs.create(thread_id, "trading", input=two)
        await client.runs.join(thread_id, run["run_id"])
        path = f"/threads/{thread_id}/runs/{run['run_id']}/stream"
        foreign = "12-3" if not shared_log else "12-x"
        async with httpx.AsyncClient(base_url=server.url, headers={"x-api-key": API_KEY}) as http:
            refused = await http.get(path, headers={"last-event-id": foreign})
            assert refused.status_code == 400, refused.text
        whole = [
            p async for p in client.runs.join_stream(thread_id, run["run_id"], last_event_id="0")
        ]
        assert whole[0].event == "metadata" and whole[-1].event == "end"
