"""A run started on one server is readable on another: its status, the thread's list, its join.

Why it matters: behind a load balancer the SDK's next request (its end-of-stream check, a
``runs.get``, a ``join``) may land on a server that never saw the run. That server used to answer
404, which the SDK reads as "the run is over". Two real servers here (each its own app, event
loop, run manager), over one home (one ledger, one checkpoint store) and, in the second test, one
real Redis: the run's status comes from the ledger's run store, and before the ledger has it
(the run waits for its thread's lock) from the shared event log.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import ExitStack

import httpx
import pytest
from langgraph_sdk import get_client

from api.server.app import create_app
from api.server.auth import ApiKey
from config.settings import Settings
from graph.checkpoints.locks import RedisThreadLocks
from tests.integration.server.conftest import API_KEY, AS_OF
from tests.integration.server.helpers import held_submissions, ledger_orders, trading_input
from tests.integration.server.live_server import LiveServer, serving
from tools.clock import FixedClock

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]


def _two_servers(settings: Settings, stack: ExitStack) -> tuple[LiveServer, LiveServer]:
    first, second = (
        stack.enter_context(
            serving(create_app(settings, key=ApiKey(API_KEY), clock=FixedClock(AS_OF)))
        )
        for _ in range(2)
    )
    return first, second


@pytest.fixture
def embedded_pair(api_settings: Settings) -> Iterator[tuple[LiveServer, LiveServer]]:
    with ExitStack() as stack:
        yield _two_servers(api_settings, stack)


async def test_a_run_is_read_and_joined_on_a_server_that_never_saw_it(
    embedded_pair: tuple[LiveServer, LiveServer],
    api_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first, second = embedded_pair
    starter = get_client(url=first.url, api_key=API_KEY)
    other = get_client(url=second.url, api_key=API_KEY)
    thread_id = (await starter.threads.create())["thread_id"]
    run = await starter.runs.create(thread_id, "trading", input=trading_input("supervised"))
    run_id = run["run_id"]
    await starter.runs.join(thread_id, run_id)
    seen = await other.runs.get(thread_id, run_id)
    assert seen["status"] == "success" and seen["assistant_id"] == "trading"
    assert seen["thread_id"] == thread_id
    assert [r["run_id"] for r in await other.runs.list(thread_id)] == [run_id]

    # the resume runs on the first server, held in execute; the second sees it running and
    # its join waits (on the ledger: no shared log here) until the run has ended
    with held_submissions(first.app, monkeypatch) as gate:
        resume = await starter.runs.create(
            thread_id, "trading", command={"resume": {"approved": True}}
        )
        assert await asyncio.to_thread(gate.submitting.wait, 60), "the resume reached execute"
        assert (await other.runs.get(thread_id, resume["run_id"]))["status"] == "running"
        joining = asyncio.create_task(other.runs.join(thread_id, resume["run_id"]))
        await asyncio.sleep(1.0)
        assert not joining.done(), "the join waits for the run, not for a 404 or a guess"
        gate.release.set()
        values = await asyncio.wait_for(joining, 60)
    assert isinstance(values, dict) and values["approval"]["approved"] is True
    for client in (starter, other):
        listed = await client.runs.list(thread_id)
        assert {r["run_id"] for r in listed} == {run_id, resume["run_id"]}
        assert len(listed) == 2 and all(r["status"] == "success" for r in listed)
    assert ledger_orders(api_settings, thread_id), "the resume placed the approved entry"

    async with httpx.AsyncClient(base_url=second.url, headers={"x-api-key": API_KEY}) as http:
        assert (await http.get(f"/threads/{thread_id}/runs/not-a-run")).status_code == 404
        assert (await http.get(f"/threads/another-thread/runs/{run_id}")).status_code == 404
        assert (await http.get(f"/threads/{thread_id}/runs/not-a-run/join")).status_code == 404


async def test_a_run_waiting_for_its_thread_is_pending_on_the_other_server_then_done(
    api_settings: Settings, redis_url: str
) -> None:
    shared = api_settings.model_copy(update={"redis_url": redis_url})
    with ExitStack() as stack:
        first, second = _two_servers(shared, stack)
        starter = get_client(url=first.url, api_key=API_KEY)
        other = get_client(url=second.url, api_key=API_KEY)
        thread_id = (await starter.threads.create())["thread_id"]
        holder = RedisThreadLocks(redis_url)  # as a CLI command or a third worker would hold it
        async with holder.athread_lock(thread_id):
            run = await starter.runs.create(thread_id, "trading", input=trading_input())
            run_id = run["run_id"]
            waiting = await other.runs.get(thread_id, run_id)
            assert waiting["status"] == "pending", "logged, not started: not over (no 404)"
        await other.runs.join(thread_id, run_id)  # followed on the shared log to its end
        done = await other.runs.get(thread_id, run_id)
        assert done["status"] == "success"
        assert (await starter.runs.get(thread_id, run_id))["status"] == "success"
    orders = ledger_orders(api_settings, thread_id)
    assert orders and len({o.client_order_id for o in orders}) == len(orders)


async def test_a_cancel_on_the_other_server_stops_the_run_after_execute_and_record(
    api_settings: Settings, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cancel lands on the server that does not run the run: it is relayed (Redis pub/sub)
    to the one that does, which stops at the next boundary: after the order in flight and its
    record, never between them."""
    shared = api_settings.model_copy(update={"redis_url": redis_url})
    with ExitStack() as stack:
        first, second = _two_servers(shared, stack)
        starter = get_client(url=first.url, api_key=API_KEY)
        other = get_client(url=second.url, api_key=API_KEY)
        thread_id = (await starter.threads.create())["thread_id"]
        with held_submissions(first.app, monkeypatch) as gate:
            run = await starter.runs.create(thread_id, "trading", input=trading_input())
            run_id = run["run_id"]
            assert await asyncio.to_thread(gate.submitting.wait, 60), "the run reached execute"
            await other.runs.cancel(thread_id, run_id)
            await asyncio.sleep(0.5)
            assert (await starter.runs.get(thread_id, run_id))["status"] == "running", (
                "the cancel waits for execute's submission"
            )
            gate.release.set()
            await other.runs.join(thread_id, run_id)
        assert (await starter.runs.get(thread_id, run_id))["status"] == "interrupted"
        assert (await other.runs.get(thread_id, run_id))["status"] == "interrupted"
        values = (await starter.threads.get_state(thread_id))["values"]
        assert isinstance(values, dict) and values.get("recorded") is True, "record ran"
    broker_orders = first.app.state.engine.context.broker.all_orders()
    recorded = {o.client_order_id for o in ledger_orders(api_settings, thread_id)}
    assert broker_orders and {o.client_order_id for o in broker_orders} <= recorded


async def test_without_redis_a_cancel_for_another_server_says_it_cannot(
    embedded_pair: tuple[LiveServer, LiveServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = embedded_pair
    starter = get_client(url=first.url, api_key=API_KEY)
    thread_id = (await starter.threads.create())["thread_id"]
    with held_submissions(first.app, monkeypatch) as gate:
        run = await starter.runs.create(thread_id, "trading", input=trading_input())
        assert await asyncio.to_thread(gate.submitting.wait, 60)
        async with httpx.AsyncClient(base_url=second.url, headers={"x-api-key": API_KEY}) as http:
            answer = await http.post(f"/threads/{thread_id}/runs/{run['run_id']}/cancel")
        assert answer.status_code == 409, answer.text
        gate.release.set()
        await starter.runs.join(thread_id, run["run_id"])
    assert (await starter.runs.get(thread_id, run["run_id"]))["status"] == "success"
