"""Two server PROCESSES over one home and one real Redis: a stream dropped on one is resumed on
the other with ``Last-Event-ID``, and a cancel sent to the other stops the run where it runs.

Why processes (test_sse_reconnect.py does the same with two servers in threads of the test
process): behind a load balancer each worker is its own interpreter. Nothing but the home (the
SQLite ledger, checkpoints and paper account) and Redis (the run's event stream, the cancel
relay, the thread locks) is shared here, so a resume that only worked because two threads see
the same memory fails here.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, Literal, cast

import httpx
import pytest
import redis
from langgraph_sdk import get_client

from config.settings import Settings
from graph.checkpoints.locks import RedisThreadLocks
from tests.integration.server.conftest import API_KEY, AS_OF
from tests.integration.server.helpers import ledger_orders, sse_frames, trading_input
from tests.integration.server.server_process import ServerProcess, server_processes
from tools.brokers.paper import PaperBroker
from tools.clock import FixedClock

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

MODES: list[Literal["updates", "custom"]] = ["updates", "custom"]
Frame = tuple[str, str, Any]
"""(id, event, decoded data) of one SSE frame."""
EVENT_STREAM = "hedgegraph:run-events:{run_id}"
"""Where the servers keep a run's event log in Redis (``RedisEventLog``'s default prefix)."""
QUIET_SECONDS = 8.0
"""Longer than redis-py's default socket read timeout (5 s), which a blocking XREAD must outlive."""


@pytest.fixture
def two_processes(settings: Settings, redis_url: str) -> Iterator[list[ServerProcess]]:
    env = {
        "HEDGEGRAPH_API_KEY": API_KEY,
        "REDIS_URL": redis_url,
        "DATABASE_URL": settings.effective_database_url,
        "CHECKPOINT_URL": settings.effective_checkpoint_url,
    }
    with server_processes(2, home=settings.hedgegraph_home, as_of=AS_OF, env=env) as servers:
        assert len({s.pid for s in servers} | {os.getpid()}) == 3, "two processes, not this one"
        yield servers


async def _frames_until_drop(url: str, thread_id: str, keep: int) -> tuple[list[Frame], str]:
    """POST a streaming autonomous run, read ``keep`` frames, then hang up (mid-run)."""
    body = {"assistant_id": "trading", "input": trading_input("autonomous"), "stream_mode": MODES}
    frames: list[Frame] = []
    async with (
        httpx.AsyncClient(base_url=url, headers={"x-api-key": API_KEY}, timeout=60) as http,
        http.stream(
            "POST",
            f"/threads/{thread_id}/runs/stream",
            json=body,
            headers={"accept": "text/event-stream"},
        ) as answer,
    ):
        assert answer.status_code == 200, await answer.aread()
        location = answer.headers["location"]
        async for frame in sse_frames(answer.aiter_lines()):
            frames.append((frame.id, frame.event, frame.data))
            if len(frames) >= keep:
                break  # leaving the block closes the connection
    return frames, location.rstrip("/").split("/")[-2]


def _stored_log(redis_url: str, run_id: str) -> list[Frame]:
    """The run's whole event log as Redis holds it, in the stream modes this client asked for."""
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        key = EVENT_STREAM.format(run_id=run_id)
        entries = cast(list[tuple[str, dict[str, str]]], client.xrange(key))
    finally:
        client.close()
    wanted = {"metadata", "end", *MODES}
    return [
        (ident, fields["event"], json.loads(fields["data"]))
        for ident, fields in entries
        if fields["event"] in wanted
    ]


def _broker_orders(settings: Settings) -> list[Any]:
    """Every order the shared paper account holds (its own SQLite file, not the ledger)."""

    def no_price(ticker: str) -> Decimal:
        raise AssertionError(f"reading the account priced {ticker}")

    broker = PaperBroker(
        database_url=f"sqlite:///{settings.hedgegraph_home / 'paper_broker.sqlite'}",
        starting_cash=Decimal(str(settings.paper.starting_cash)),
        slippage_bps=settings.paper.slippage_bps,
        price_source=no_price,
        clock=FixedClock(AS_OF),
    )
    try:
        return broker.all_orders()
    finally:
        broker.close()


async def test_a_stream_dropped_on_one_process_resumes_on_the_other_once_each(
    two_processes: list[ServerProcess], settings: Settings, redis_url: str
) -> None:
    first, second = two_processes
    starter = get_client(url=first.url, api_key=API_KEY)
    thread_id = (await starter.threads.create())["thread_id"]
    before, run_id = await _frames_until_drop(first.url, thread_id, keep=4)
    assert before[0][1] == "metadata" and before[0][2]["run_id"] == run_id
    assert "end" not in {event for _, event, _ in before}, "dropped before the run ended"

    other = get_client(url=second.url, api_key=API_KEY)
    after: list[Frame] = [
        (p.id or "", p.event, p.data)
        async for p in other.runs.join_stream(
            thread_id, run_id, last_event_id=before[-1][0], stream_mode=MODES
        )
    ]
    stored = _stored_log(redis_url, run_id)
    assert before + after == stored, "before the drop plus after it is the whole log, in order"
    replay: list[Frame] = [
        (p.id or "", p.event, p.data)
        async for p in other.runs.join_stream(
            thread_id, run_id, last_event_id="0-0", stream_mode=MODES
        )
    ]
    assert replay == stored, "a full replay on the other process is the same log"
    ids = [ident for ident, _, _ in stored]
    assert len(set(ids)) == len(ids), "no event twice"
    events = Counter(event for _, event, _ in before + after)
    assert events["end"] == 1 and after[-1][1] == "end"
    finished = [d for _, e, d in before + after if e == "custom" and d["kind"] == "finished"]
    assert len(finished) == 1 and finished[0]["status"] == "completed", "finished exactly once"
    for client in (starter, other):
        assert (await client.runs.get(thread_id, run_id))["status"] == "success"

    placed = {
        d["order"]["client_order_id"]
        for _, e, d in stored
        if e == "custom" and d["kind"] == "order_update"
    }
    assert placed, "the autonomous cycle sent its approved entry"
    recorded = [o.client_order_id for o in ledger_orders(settings, thread_id)]
    assert sorted(recorded) == sorted(placed), "each streamed order recorded once in the ledger"
    at_broker = Counter(o.client_order_id for o in _broker_orders(settings))
    assert {cid: at_broker[cid] for cid in placed} == dict.fromkeys(placed, 1), (
        "each order at the broker exactly once"
    )


async def test_a_join_on_the_other_process_outlives_a_quiet_run(
    two_processes: list[ServerProcess], settings: Settings, redis_url: str
) -> None:
    """The run waits for its thread's lock on the first process (held here, as a CLI command
    would hold it), so its log is quiet for longer than a Redis read's default timeout (5 s);
    the second process's join waits on the log (it used to fail with a 500 after 5 s), then
    follows the run to its end once the lock is free."""
    first, second = two_processes
    starter = get_client(url=first.url, api_key=API_KEY)
    other = get_client(url=second.url, api_key=API_KEY)
    thread_id = (await starter.threads.create())["thread_id"]
    holder = RedisThreadLocks(redis_url)
    async with holder.athread_lock(thread_id):
        run_id = (await starter.runs.create(thread_id, "trading", input=trading_input()))["run_id"]
        assert (await other.runs.get(thread_id, run_id))["status"] == "pending"
        joining = asyncio.create_task(other.runs.join(thread_id, run_id))
        done, _ = await asyncio.wait({joining}, timeout=QUIET_SECONDS)
        assert not done, f"the join failed on a quiet log: {joining.exception() if done else ''}"
    await asyncio.wait_for(joining, timeout=120)
    assert (await other.runs.get(thread_id, run_id))["status"] == "success"
    orders = ledger_orders(settings, thread_id)
    assert orders and len({o.client_order_id for o in orders}) == len(orders)


async def test_a_cancel_sent_to_the_other_process_stops_the_run_where_it_runs(
    two_processes: list[ServerProcess], settings: Settings, redis_url: str
) -> None:
    """The cancel goes to the second process, is relayed over Redis to the first (which runs
    the run), and the run stops at its next step boundary: cancelled, ended once, and every
    order it sent (if it got as far as ``execute``) has its record."""
    first, second = two_processes
    thread_id = (await get_client(url=first.url, api_key=API_KEY).threads.create())["thread_id"]
    body = {"assistant_id": "trading", "input": trading_input(), "stream_mode": ["custom"]}
    seen: list[Frame] = []
    async with (
        httpx.AsyncClient(base_url=first.url, headers={"x-api-key": API_KEY}, timeout=60) as a,
        httpx.AsyncClient(base_url=second.url, headers={"x-api-key": API_KEY}, timeout=60) as b,
        a.stream("POST", f"/threads/{thread_id}/runs/stream", json=body) as answer,
    ):
        run_id = answer.headers["location"].rstrip("/").split("/")[-2]
        cancelled = False
        async for frame in sse_frames(answer.aiter_lines()):
            seen.append((frame.id, frame.event, frame.data))
            if not cancelled and frame.event == "custom" and frame.data["kind"] == "node_started":
                # the run is past its lock and inside its first node: cancel it elsewhere
                refused = await b.post(f"/threads/{thread_id}/runs/{run_id}/cancel")
                assert refused.status_code in {200, 202, 204}, refused.text
                cancelled = True
    assert cancelled, "the run started a node"
    finished = [d for _, e, d in seen if e == "custom" and d["kind"] == "finished"]
    # the stream's consumer stops at the cancel: the cycle's own "cancelled" goes to the ledger
    assert all(d["status"] == "cancelled" for d in finished), "never completed"
    assert [e for _, e, _ in seen].count("end") == 1 and seen[-1][1] == "end"
    for url in (first.url, second.url):
        run = await get_client(url=url, api_key=API_KEY).runs.get(thread_id, run_id)
        assert run["status"] == "interrupted"
    recorded = {o.client_order_id for o in ledger_orders(settings, thread_id)}
    at_broker = Counter(o.client_order_id for o in _broker_orders(settings))
    sent = {
        d["order"]["client_order_id"]
        for _, e, d in seen
        if e == "custom" and d["kind"] == "order_update"
    }
    assert sent <= recorded and all(at_broker[cid] == 1 for cid in sent), "sent once, recorded"
