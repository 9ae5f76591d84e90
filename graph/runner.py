"""Running one trading cycle on a thread: start, resume after a crash, and answer an approval.

This is the engine's public face; the CLI calls it today and the HTTP API and scheduler will call
the same functions. A thread is one cycle: running it again resumes it from its checkpoint (and
never submits an order twice), or, if it already finished, reports what it did.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.types import Command
from pydantic import BaseModel

from domain import (
    AnalystVerdict,
    ApprovalVerdict,
    GateVerdict,
    Order,
    ResearchFinding,
    RunEvent,
    RunRequest,
    StrategySignal,
    TradeDecision,
)
from graph.builder import build_graph
from graph.context import TradingContext
from graph.modes import WorkflowMode
from graph.state import CycleState
from tools.llm.routing import run_scoped

__all__ = [
    "CycleResult",
    "CycleStatus",
    "ProgressCallback",
    "ThreadNotFoundError",
    "aapprove",
    "arun_cycle",
]

ProgressCallback = Callable[[str, dict[str, Any]], None]
"""Called with (node name, state update) as each node finishes."""


class ThreadNotFoundError(Exception):
    """No checkpoint exists for the thread id."""


class CycleStatus(StrEnum):
    COMPLETED = "completed"
    AWAITING_APPROVAL = "awaiting_approval"


class CycleResult(BaseModel):
    """What a cycle did, as the CLI's ``--json`` and later the API report it."""

    thread_id: str
    status: CycleStatus
    mode: str
    session_mode: str
    tickers: list[str]
    signals: list[StrategySignal]
    research: dict[str, ResearchFinding]
    analyst_verdicts: list[AnalystVerdict]
    decisions: list[TradeDecision]
    verdicts: list[GateVerdict]
    orders: list[Order]
    events: list[RunEvent]
    pending_approval: list[GateVerdict]


def _config(thread_id: str) -> RunnableConfig:
    return {"configurable": {"thread_id": thread_id}}


async def _stored_request(
    checkpointer: BaseCheckpointSaver[Any], thread_id: str
) -> RunRequest | None:
    saved = await checkpointer.aget_tuple(_config(thread_id))
    if saved is None:
        return None
    request = saved.checkpoint["channel_values"].get("request")
    return request if isinstance(request, RunRequest) else None


async def _drive(
    graph: Any,
    payload: Any,
    thread_id: str,
    context: TradingContext,
    on_progress: ProgressCallback | None,
) -> None:
    # durability="sync": each step's checkpoint is on disk before the next step starts, so a crash
    # inside ``execute`` never rolls the thread back to before the gate's verdicts were saved.
    async for chunk in graph.astream(
        payload, _config(thread_id), context=context, stream_mode="updates", durability="sync"
    ):
        for node, update in chunk.items():
            if on_progress is not None and node != "__interrupt__":
                on_progress(node, update if isinstance(update, dict) else {})


async def _result(graph: Any, thread_id: str) -> CycleResult:
    snapshot = await graph.aget_state(_config(thread_id))
    values: CycleState = snapshot.values
    request = values["request"]
    waiting = any(task.interrupts for task in snapshot.tasks)
    verdicts = values.get("gate_verdicts", [])
    return CycleResult(
        thread_id=thread_id,
        status=CycleStatus.AWAITING_APPROVAL if waiting else CycleStatus.COMPLETED,
        mode=request.mode,
        session_mode=request.session_mode,
        tickers=list(request.tickers),
        signals=values.get("signals", []),
        research=dict(values.get("research", {})),
        analyst_verdicts=values.get("analyst_verdicts", []),
        decisions=values.get("decisions", []),
        verdicts=verdicts,
        orders=values.get("orders", []),
        events=values.get("events", []),
        pending_approval=[v for v in verdicts if v.executable] if waiting else [],
    )


async def arun_cycle(
    context: TradingContext,
    checkpointer: BaseCheckpointSaver[Any],
    *,
    thread_id: str,
    tickers: Sequence[str],
    mode: WorkflowMode | str,
    session_mode: str,
    on_progress: ProgressCallback | None = None,
) -> CycleResult:
    """Run the cycle on ``thread_id``, or resume it from its checkpoint if it already started.

    A resumed thread keeps the mode, session mode and tickers it was started with.
    """
    context = dataclasses.replace(context, llm=run_scoped(context.llm))  # fresh per-run budget
    async with context.thread_locks.athread_lock(thread_id):
        stored = await _stored_request(checkpointer, thread_id)
        request = stored or RunRequest(
            thread_id=thread_id,
            tickers=tuple(t.strip().upper() for t in tickers if t.strip()),
            mode=WorkflowMode(mode).value,
            session_mode=session_mode,
            analysts=tuple(context.settings.analysts or ()),
        )
        graph = build_graph(request.mode).compile(checkpointer=checkpointer)
        if stored is None:
            await _drive(graph, {"request": request}, thread_id, context, on_progress)
        else:
            state = await graph.aget_state(_config(thread_id))
            waiting = any(task.interrupts for task in state.tasks)
            # ``record`` is the last node on every path; until it has run the thread is unfinished,
            # even when ``state.next`` is empty because the last task's writes are still pending.
            if not state.values.get("recorded") and not waiting:
                await _drive(graph, None, thread_id, context, on_progress)
        return await _result(graph, thread_id)


async def aapprove(
    context: TradingContext,
    checkpointer: BaseCheckpointSaver[Any],
    *,
    thread_id: str,
    verdict: ApprovalVerdict,
    on_progress: ProgressCallback | None = None,
) -> CycleResult:
    """Answer the approval a supervised thread is waiting on, and run it to the end."""
    # Under the thread's lock, "is it still waiting?" and "resume it" are one step: a second,
    # racing approval finds the thread no longer waiting and is refused, so execute runs once.
    context = dataclasses.replace(context, llm=run_scoped(context.llm))  # fresh per-run budget
    async with context.thread_locks.athread_lock(thread_id):
        stored = await _stored_request(checkpointer, thread_id)
        if stored is None:
            raise ThreadNotFoundError(f"no checkpoint for thread {thread_id!r}")
        graph = build_graph(stored.mode).compile(checkpointer=checkpointer)
        state = await graph.aget_state(_config(thread_id))
        if not any(task.interrupts for task in state.tasks):
            raise ThreadNotFoundError(f"thread {thread_id!r} is not waiting for an approval")
        await _drive(
            graph, Command(resume=verdict.model_dump(mode="json")), thread_id, context, on_progress
        )
        return await _result(graph, thread_id)
