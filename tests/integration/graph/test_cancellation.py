"""Cancelling a running cycle: it drains at a step boundary and never between execute and record.

The slow parts are real parts held at a gate the test opens: an LLM whose answers wait (the
analysts await it), and the local paper broker whose ``submit_order`` waits in execute's worker
thread. The runner under test is unchanged.
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from decimal import Decimal
from typing import Any, TypeVar

import pytest

from domain import CycleEvent, Order, OrderIntent
from graph.assembly import latest_close_source
from graph.checkpoints.locks import FileThreadLocks, ThreadLockTimeoutError
from graph.context import TradingContext
from graph.modes import WorkflowMode
from graph.runner import CycleStatus, arun_cycle, astream_cycle
from tools.brokers.paper import PaperBroker
from tools.persistence.records import RunStatus
from tools.persistence.sql_ledger import SqlLedger

T = TypeVar("T")
TICKERS = ["AAPL", "MSFT", "NVDA", "AMZN", "META", "TSLA", "GOOGL", "JPM"]


class _HeldLLM:
    """An LLM whose every answer waits until the test lets it go, then fails (no signal)."""

    model_name = "held-test-llm"

    def __init__(self) -> None:
        self.asked = asyncio.Event()
        self.release = asyncio.Event()

    async def ainvoke_structured(
        self, *, system: str, user: str, schema: type[T], purpose: str
    ) -> T:
        self.asked.set()
        await self.release.wait()
        raise RuntimeError("held-test-llm gives no answer")


class _HeldPaperBroker(PaperBroker):
    """The local paper broker, with submissions held until the test lets them go."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.submitting = threading.Event()
        self.release = threading.Event()

    def submit_order(self, intent: OrderIntent, qty: Decimal) -> Order:
        self.submitting.set()
        assert self.release.wait(timeout=60), "the test never released the submission"
        return super().submit_order(intent, qty)


def _locked_out(context: TradingContext, thread_id: str) -> bool:
    """Is the thread's lock held by someone else right now (another local process would wait)?"""
    probe = FileThreadLocks(context.settings.hedgegraph_home / "locks", wait_seconds=0.2)
    try:
        with probe.thread_lock(thread_id):
            return False
    except ThreadLockTimeoutError:
        return True


async def _consume(
    context: TradingContext, saver: Any, thread_id: str, seen: list[CycleEvent]
) -> None:
    async for event in astream_cycle(
        context,
        saver,
        thread_id=thread_id,
        tickers=TICKERS,
        mode=WorkflowMode.SIGNAL,
        session_mode="autonomous",
    ):
        seen.append(event)


async def _state(saver: Any, context: TradingContext, thread_id: str) -> Any:
    from graph.builder import build_graph

    graph = build_graph(WorkflowMode.SIGNAL).compile(checkpointer=saver)
    return await graph.aget_state({"configurable": {"thread_id": thread_id}})


async def test_cancel_during_analysts_stops_at_the_boundary_and_resumes_later(  # type: ignore[no-untyped-def]
    context: TradingContext, saver
) -> None:
    llm = _HeldLLM()
    held = dataclasses.replace(context, llm=llm)
    seen: list[CycleEvent] = []
    run = asyncio.create_task(_consume(held, saver, "c-analysts", seen))
    await asyncio.wait_for(llm.asked.wait(), timeout=30)

    run.cancel()
    await asyncio.sleep(0.3)
    assert not run.done(), "the cancel must wait for the running analyst step"
    assert await asyncio.to_thread(_locked_out, context, "c-analysts")

    llm.release.set()
    with pytest.raises(asyncio.CancelledError):
        await run
    assert not await asyncio.to_thread(_locked_out, context, "c-analysts")

    state = await _state(saver, context, "c-analysts")
    assert state.next == ("portfolio_manager",), "stopped at the boundary after the analysts"
    verdicts = state.values["analyst_verdicts"]
    assert verdicts and all(v.failure_reason for v in verdicts)  # the held LLM's answers landed
    assert not state.values.get("decisions")
    assert isinstance(context.ledger, SqlLedger)
    assert context.ledger.orders_for_thread("c-analysts") == []
    (cancelled,) = context.ledger.runs.runs_for_thread("c-analysts")
    assert cancelled.status is RunStatus.CANCELLED

    resumed = await arun_cycle(context, saver, thread_id="c-analysts")
    assert resumed.status is CycleStatus.COMPLETED
    assert resumed.analyst_verdicts == verdicts, "the analysts did not run a second time"
    assert resumed.decisions


async def test_cancel_during_execute_lets_execute_and_record_finish_first(  # type: ignore[no-untyped-def]
    context: TradingContext, saver
) -> None:
    settings = context.settings
    broker = _HeldPaperBroker(
        database_url=f"sqlite:///{settings.hedgegraph_home / 'held_broker.sqlite'}",
        starting_cash=Decimal(str(settings.paper.starting_cash)),
        slippage_bps=settings.paper.slippage_bps,
        price_source=latest_close_source(context.market_data, context.clock),
        clock=context.clock,
    )
    held = dataclasses.replace(context, broker=broker)
    seen: list[CycleEvent] = []
    run = asyncio.create_task(_consume(held, saver, "c-execute", seen))
    assert await asyncio.to_thread(broker.submitting.wait, 30), "precondition: an order is sent"

    run.cancel()
    await asyncio.sleep(0.3)
    assert not run.done(), "the cancel must wait for execute's submission"
    assert await asyncio.to_thread(_locked_out, context, "c-execute"), "lock released early"

    broker.release.set()
    with pytest.raises(asyncio.CancelledError):
        await run
    assert not await asyncio.to_thread(_locked_out, context, "c-execute")

    state = await _state(saver, context, "c-execute")
    assert state.values.get("recorded") is True, "record ran before the cancel took effect"
    assert state.next == ()
    orders = state.values["orders"]
    assert orders and all(broker.get_order_by_client_id(o.client_order_id) for o in orders)
    assert isinstance(context.ledger, SqlLedger)
    audited = {
        cid for d in context.ledger.decisions_for_thread("c-execute") for cid in d.order_client_ids
    }
    assert {o.client_order_id for o in orders} <= audited, "every order has its decision row"


async def test_cancel_while_waiting_for_the_thread_lock_ends_the_run_before_its_first_step(  # type: ignore[no-untyped-def]
    context: TradingContext, saver
) -> None:
    """Cancelled while another holder has the thread: once the lock comes, the run ends as
    cancelled without running a step (and without reading a state the thread does not have yet);
    the thread is untouched and a later run does the whole cycle."""
    holder = FileThreadLocks(context.settings.hedgegraph_home / "locks", wait_seconds=5)
    taken, release = threading.Event(), threading.Event()

    def hold() -> None:
        with holder.thread_lock("c-waiting"):
            taken.set()
            release.wait(timeout=60)

    holding = threading.Thread(target=hold)
    holding.start()
    assert await asyncio.to_thread(taken.wait, 10)
    seen: list[CycleEvent] = []
    run = asyncio.create_task(_consume(context, saver, "c-waiting", seen))
    await asyncio.sleep(0.5)  # the run is now waiting for the lock (no step can start)
    run.cancel()
    release.set()
    with pytest.raises(asyncio.CancelledError):
        await run
    await asyncio.to_thread(holding.join, 10)

    assert seen == []
    state = await _state(saver, context, "c-waiting")
    assert state.values == {} and state.next == (), "no step ran, nothing was checkpointed"
    assert isinstance(context.ledger, SqlLedger)
    (cancelled,) = context.ledger.runs.runs_for_thread("c-waiting")
    assert cancelled.status is RunStatus.CANCELLED
    assert not await asyncio.to_thread(_locked_out, context, "c-waiting")

    later = await arun_cycle(context, saver, thread_id="c-waiting", tickers=TICKERS)
    assert later.status is CycleStatus.COMPLETED and later.decisions
