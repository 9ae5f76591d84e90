"""The runner's typed event stream, on the real embedded stack, and the runs it leaves on record."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from langgraph.graph import START, StateGraph
from typing_extensions import TypedDict

from domain import ApprovalVerdict, CycleEvent, CycleEventKind, ResearchFinding
from graph.context import TradingContext
from graph.modes import WorkflowMode
from graph.runner import (
    RequestMismatchError,
    UnrevivableRequestError,
    arun_cycle,
    astream_approval,
    astream_cycle,
)
from mazo_bridge.service import ResearchUnavailableError
from tools.persistence.records import RunStatus, RunTrigger
from tools.persistence.sql_ledger import SqlLedger

TICKERS = ["AAPL", "MSFT", "NVDA", "AMZN", "META", "TSLA", "GOOGL", "JPM"]


async def _collect(stream: Any) -> list[CycleEvent]:
    return [event async for event in stream]


def _kinds(events: list[CycleEvent], kind: CycleEventKind) -> list[CycleEvent]:
    return [e for e in events if e.kind is kind]


def _first(events: list[CycleEvent], kind: CycleEventKind, node: str) -> int:
    return next(i for i, e in enumerate(events) if e.kind is kind and e.node == node)


def _last(events: list[CycleEvent], kind: CycleEventKind, node: str) -> int:
    return max(i for i, e in enumerate(events) if e.kind is kind and e.node == node)


async def test_full_cycle_streams_typed_events_in_order(context: TradingContext, saver) -> None:  # type: ignore[no-untyped-def]
    events = await _collect(
        astream_cycle(
            context,
            saver,
            thread_id="s-full",
            tickers=TICKERS,
            mode=WorkflowMode.FULL,
            session_mode="autonomous",
        )
    )
    state = (await saver.aget_tuple({"configurable": {"thread_id": "s-full"}})).checkpoint
    values = state["channel_values"]

    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert {e.run_id for e in events} == {events[0].run_id}
    assert events[0].kind is CycleEventKind.NODE_STARTED and events[0].node == "load_context"
    assert events[-1].kind is CycleEventKind.FINISHED and events[-1].status == "completed"

    started = [e.node for e in _kinds(events, CycleEventKind.NODE_STARTED)]
    pipeline = ["load_context", "strategy_engine", "research_validation", "analyst",
                "portfolio_manager", "risk_gate", "execute", "record"]  # fmt: skip
    assert [n for i, n in enumerate(started) if n not in started[:i]] == pipeline
    for node in pipeline:  # each node finishes after it starts, with its duration
        assert _first(events, CycleEventKind.NODE_STARTED, node) < _last(
            events, CycleEventKind.NODE_FINISHED, node
        )
    finished = _kinds(events, CycleEventKind.NODE_FINISHED)
    assert all(e.duration_ms is not None and e.duration_ms >= 0 for e in finished)
    analyst_tasks = [e for e in finished if e.node == "analyst"]
    assert len(analyst_tasks) == len({v.analyst for v in values["analyst_verdicts"]}) > 1
    assert all(e.analyst for e in analyst_tasks)

    verdicts = _kinds(events, CycleEventKind.ANALYST_VERDICT)
    assert [(e.analyst, e.ticker) for e in verdicts] != []
    assert sorted((e.analyst, e.ticker) for e in verdicts) == sorted(
        (v.analyst, v.ticker) for v in values["analyst_verdicts"]
    )
    decisions = _kinds(events, CycleEventKind.PM_DECISION)
    assert [e.decision for e in decisions] == values["decisions"]
    gate = [e for e in _kinds(events, CycleEventKind.GATE_VERDICT) if e.node == "risk_gate"]
    assert {e.gate_verdict.intent.client_order_id for e in gate if e.gate_verdict} == {
        v.intent.client_order_id for v in values["gate_verdicts"]
    }
    orders = _kinds(events, CycleEventKind.ORDER_UPDATE)
    assert orders, "precondition: this session yields an approved entry"
    assert {e.order.client_order_id for e in orders if e.order} == {
        o.client_order_id for o in values["orders"]
    }
    # Each stage's events sit inside its node's window.
    assert _first(events, CycleEventKind.NODE_STARTED, "analyst") < events.index(verdicts[0])
    assert events.index(verdicts[-1]) < _first(
        events, CycleEventKind.NODE_STARTED, "portfolio_manager"
    )
    assert events.index(decisions[-1]) < _first(events, CycleEventKind.NODE_STARTED, "risk_gate")
    assert events.index(gate[-1]) < _first(events, CycleEventKind.NODE_STARTED, "execute")
    assert events.index(orders[-1]) < _first(events, CycleEventKind.NODE_STARTED, "record")


async def test_the_run_and_its_events_are_on_record(context: TradingContext, saver) -> None:  # type: ignore[no-untyped-def]
    events = await _collect(
        astream_cycle(
            context,
            saver,
            thread_id="s-rec",
            tickers=["AAPL", "TSLA"],
            mode=WorkflowMode.SIGNAL,
            trigger="scheduler",
        )
    )
    assert isinstance(context.ledger, SqlLedger)
    (run,) = context.ledger.runs.runs_for_thread("s-rec")
    assert run.run_id == events[0].run_id
    assert run.trigger is RunTrigger.SCHEDULER and run.status is RunStatus.COMPLETED
    assert run.finished_at is not None
    assert context.ledger.runs.events_after(run.run_id) == events


async def test_warnings_are_streamed_and_persisted_with_the_run(
    context: TradingContext, saver
) -> None:  # type: ignore[no-untyped-def]
    class _ResearchDown:
        def research(self, *args: Any, **kwargs: Any) -> ResearchFinding:
            raise ResearchUnavailableError("research service unreachable")

    down = dataclasses.replace(context, research=_ResearchDown())  # type: ignore[arg-type]
    events = await _collect(
        astream_cycle(down, saver, thread_id="s-warn", tickers=TICKERS, mode=WorkflowMode.FULL)
    )
    problems = [e for e in events if e.kind in (CycleEventKind.WARNING, CycleEventKind.ERROR)]
    assert problems and all(e.run_event is not None for e in problems)
    assert any("research unavailable" in e.run_event.message for e in problems if e.run_event)
    assert isinstance(context.ledger, SqlLedger)
    assert context.ledger.runs.problems_for_thread("s-warn") == problems


async def test_supervised_stream_requests_approval_then_finishes(
    context: TradingContext, saver
) -> None:  # type: ignore[no-untyped-def]
    waiting = await _collect(
        astream_cycle(
            context,
            saver,
            thread_id="s-sup",
            tickers=TICKERS,
            mode=WorkflowMode.SIGNAL,
            session_mode="supervised",
        )
    )
    asked = _kinds(waiting, CycleEventKind.APPROVAL_REQUESTED)
    executable = [e.gate_verdict for e in _kinds(waiting, CycleEventKind.GATE_VERDICT)
                  if e.gate_verdict and e.gate_verdict.executable]  # fmt: skip
    assert asked and [e.gate_verdict for e in asked] == executable
    assert waiting[-1].status == "awaiting_approval"
    assert not _kinds(waiting, CycleEventKind.ORDER_UPDATE)

    rest = await _collect(
        astream_approval(
            context, saver, thread_id="s-sup", verdict=ApprovalVerdict(approved=True, approver="t")
        )
    )
    assert rest[0].run_id != waiting[0].run_id and rest[0].seq == 1
    assert _kinds(rest, CycleEventKind.ORDER_UPDATE)
    assert rest[-1].status == "completed"
    assert isinstance(context.ledger, SqlLedger)
    statuses = {r.run_id: r.status for r in context.ledger.runs.runs_for_thread("s-sup")}
    assert statuses == {
        waiting[0].run_id: RunStatus.AWAITING_APPROVAL,
        rest[0].run_id: RunStatus.COMPLETED,
    }


@pytest.mark.parametrize(
    "change",
    [{"tickers": ["NVDA"]}, {"mode": WorkflowMode.FULL}, {"session_mode": "supervised"}],
    ids=["tickers", "mode", "session"],
)
async def test_resuming_with_another_request_is_an_explicit_error(  # type: ignore[no-untyped-def]
    context: TradingContext, saver, change: dict[str, Any]
) -> None:
    first = await arun_cycle(
        context,
        saver,
        thread_id="s-mis",
        tickers=["AAPL", "TSLA"],
        mode=WorkflowMode.SIGNAL,
        session_mode="autonomous",
    )
    ask = {"tickers": ["tsla", "AAPL"], "mode": "signal", "session_mode": "autonomous"} | change
    with pytest.raises(RequestMismatchError, match="s-mis"):
        await arun_cycle(context, saver, thread_id="s-mis", **ask)
    # The same request (any order, any case), or none at all, is the ordinary resume.
    again = await arun_cycle(
        context, saver, thread_id="s-mis", tickers=["tsla", "AAPL"], mode="signal"
    )
    bare = await arun_cycle(context, saver, thread_id="s-mis")
    assert again.orders == bare.orders == first.orders


class _Foreign(TypedDict, total=False):
    request: dict[str, Any]


async def test_a_request_that_cannot_be_revived_is_an_error(context: TradingContext, saver) -> None:  # type: ignore[no-untyped-def]
    """A checkpoint whose request is plain data must never become a new cycle on that thread."""
    foreign: StateGraph[_Foreign] = StateGraph(_Foreign)
    foreign.add_node("noop", lambda state: {})
    foreign.add_edge(START, "noop")
    config = {"configurable": {"thread_id": "s-old"}}
    await foreign.compile(checkpointer=saver).ainvoke(
        {"request": {"thread_id": "s-old", "tickers": ["AAPL"]}}, config
    )
    before = [c async for c in saver.alist(config)]
    with pytest.raises(UnrevivableRequestError, match="s-old"):
        await arun_cycle(context, saver, thread_id="s-old", tickers=["AAPL"], mode="signal")
    assert [c async for c in saver.alist(config)] == before
    assert isinstance(context.ledger, SqlLedger)
    assert context.ledger.orders_for_thread("s-old") == []


async def test_a_failed_run_is_on_record_with_its_error(context: TradingContext, saver) -> None:  # type: ignore[no-untyped-def]
    class _BrokenBroker:
        def __getattr__(self, name: str) -> Any:
            raise RuntimeError(f"broker exploded on {name}")

    broken = dataclasses.replace(context, broker=_BrokenBroker())  # type: ignore[arg-type]
    seen: list[CycleEvent] = []
    with pytest.raises(RuntimeError, match="broker exploded"):
        async for event in astream_cycle(broken, saver, thread_id="s-fail", mode="signal"):
            seen.append(event)
    assert seen[-1].kind is CycleEventKind.FINISHED and seen[-1].status == "failed"
    assert isinstance(context.ledger, SqlLedger)
    (run,) = context.ledger.runs.runs_for_thread("s-fail")
    assert run.status is RunStatus.FAILED and run.error and "broker exploded" in run.error
    (problem,) = context.ledger.runs.problems_for_thread("s-fail")
    assert problem.kind is CycleEventKind.ERROR and problem.node == "load_context"
