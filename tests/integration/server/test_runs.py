"""API runs on the real embedded stack: background, one per thread, independent of readers.

The cycle is the production runner (``astream_cycle``) on the offline market and the local paper
broker; the held LLM of the cancellation tests stands in for a slow provider where a run must be
caught in the middle.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from typing import Any

import pytest

from api.server.event_log import END_EVENT, InProcessEventLog, LoggedEvent
from api.server.runs import ApiRunStatus, RunManager, ThreadBusyError
from graph.context import TradingContext
from graph.modes import WorkflowMode
from graph.runner import astream_cycle
from tests.integration.graph.test_cancellation import TICKERS, _HeldLLM

pytestmark = pytest.mark.integration


def _cycle(context: TradingContext, saver: Any, thread_id: str, session: str = "autonomous"):
    def source(run_id: str):
        return astream_cycle(
            context,
            saver,
            thread_id=thread_id,
            tickers=TICKERS,
            mode=WorkflowMode.SIGNAL,
            session_mode=session,
            trigger="api",
            run_id=run_id,
        )

    return source


async def _read(log: InProcessEventLog, run_id: str, limit: int | None = None) -> list[LoggedEvent]:
    out: list[LoggedEvent] = []
    async for event in log.follow(run_id):
        out.append(event)
        if limit is not None and len(out) >= limit:
            break  # a client that goes away
    return out


async def test_a_supervised_run_streams_its_cycle_and_ends_at_the_approval(
    context: TradingContext, saver
) -> None:
    log = InProcessEventLog()
    runs = RunManager(log)
    run = await runs.start(
        "api-s1", _cycle(context, saver, "api-s1", "supervised"), assistant_id="trading"
    )
    events = await asyncio.wait_for(_read(log, run.run_id), 120)
    await runs.join(run)
    assert events[0].event == "metadata" and json.loads(events[0].data)["run_id"] == run.run_id
    assert events[-1].event == END_EVENT
    cycle = [json.loads(e.data) for e in events if e.event == "custom"]
    assert [c["seq"] for c in cycle] == list(range(1, len(cycle) + 1)), (
        "every cycle event, in order"
    )
    assert {c["run_id"] for c in cycle} == {run.run_id}
    assert cycle[-1]["kind"] == "finished" and cycle[-1]["status"] == "awaiting_approval"
    assert run.status is ApiRunStatus.SUCCESS, "a run that paused at its approval succeeded"
    stored = context.ledger.runs.run(run.run_id)
    assert stored is not None and stored.thread_id == "api-s1", "the ledger knows the API's run id"


async def test_one_active_run_per_thread(context: TradingContext, saver) -> None:
    runs = RunManager(InProcessEventLog())
    first = await runs.start("api-b1", _cycle(context, saver, "api-b1"), assistant_id="trading")
    with pytest.raises(ThreadBusyError, match=first.run_id):
        await runs.start("api-b1", _cycle(context, saver, "api-b1"), assistant_id="trading")
    other = await runs.start("api-b2", _cycle(context, saver, "api-b2"), assistant_id="trading")
    await runs.join(first)
    await runs.join(other)
    again = await runs.start("api-b1", _cycle(context, saver, "api-b1"), assistant_id="trading")
    await runs.join(again)
    assert [r.status for r in (first, other, again)] == [ApiRunStatus.SUCCESS] * 3


async def test_a_reader_that_leaves_never_stops_the_run(context: TradingContext, saver) -> None:
    log = InProcessEventLog()
    runs = RunManager(log)
    run = await runs.start("api-d1", _cycle(context, saver, "api-d1"), assistant_id="trading")
    assert len(await _read(log, run.run_id, limit=3)) == 3
    await asyncio.wait_for(runs.join(run), 120)
    assert run.status is ApiRunStatus.SUCCESS and run.cycle_status == "completed"
    orders = context.ledger.orders_for_thread("api-d1")
    assert orders, "precondition: the session yields an approved entry"
    placed = {o.client_order_id for o in context.broker.open_orders()} | {
        o.client_order_id for o in orders
    }
    assert len(placed) == len(orders), "each order once"
    late = await _read(log, run.run_id)  # a later reader still gets the whole run
    assert late[-1].event == END_EVENT and late[0].event == "metadata"


async def test_cancel_stops_at_a_boundary_and_the_log_says_so(
    context: TradingContext, saver
) -> None:
    llm = _HeldLLM()
    held = dataclasses.replace(context, llm=llm)
    log = InProcessEventLog()
    runs = RunManager(log)
    run = await runs.start("api-c1", _cycle(held, saver, "api-c1"), assistant_id="trading")
    await asyncio.wait_for(llm.asked.wait(), timeout=60)
    cancelling = asyncio.create_task(runs.cancel(run, wait=True))
    await asyncio.sleep(0.3)
    assert not cancelling.done(), "the running analyst step finishes first"
    llm.release.set()
    await asyncio.wait_for(cancelling, 60)
    assert run.status is ApiRunStatus.INTERRUPTED
    events = await _read(log, run.run_id)
    assert events[-1].event == END_EVENT
    assert runs.active_run("api-c1") is None, "the thread is free for its next run"
    resumed = await runs.start("api-c1", _cycle(context, saver, "api-c1"), assistant_id="trading")
    await asyncio.wait_for(runs.join(resumed), 120)
    assert resumed.status is ApiRunStatus.SUCCESS and resumed.cycle_status == "completed"
