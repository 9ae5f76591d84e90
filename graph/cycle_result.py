"""What a cycle did, as every face reports it: the thread's state read back after a run.

Why a module of its own: the runner's public functions return it and its driver builds it; a
face (the CLI's ``--json``, the API) depends on this model only.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from langchain_core.runnables import RunnableConfig
from pydantic import BaseModel

from domain import (
    AnalystVerdict,
    GateVerdict,
    Order,
    ResearchFinding,
    RunEvent,
    RunRequest,
    StrategySignal,
    TradeDecision,
)
from graph.state import CycleState

__all__ = ["CycleResult", "CycleStatus", "read_cycle_result", "thread_config"]


class CycleStatus(StrEnum):
    COMPLETED = "completed"
    AWAITING_APPROVAL = "awaiting_approval"
    CANCELLED = "cancelled"
    """Stopped at a step boundary on request; running the thread again resumes it."""


class CycleResult(BaseModel):
    """What a cycle did, as the CLI's ``--json`` and the API report it."""

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
    run_id: str | None = None
    """The run that produced this answer; ``None`` when the thread had nothing left to do."""


def thread_config(thread_id: str) -> RunnableConfig:
    return {"configurable": {"thread_id": thread_id}}


async def read_cycle_result(
    graph: Any, thread_id: str, run_id: str | None, status: str, request: RunRequest | None = None
) -> CycleResult:
    """The thread's state as a result. ``request`` is the run's own: a run cancelled before its
    first step leaves the thread without any state to read it from."""
    snapshot = await graph.aget_state(thread_config(thread_id))
    values: CycleState = snapshot.values
    request = values.get("request") or request
    if request is None:
        raise LookupError(f"thread {thread_id} has no state and no request was given")
    waiting = any(task.interrupts for task in snapshot.tasks)
    verdicts = values.get("gate_verdicts", [])
    if waiting:
        status = CycleStatus.AWAITING_APPROVAL.value
    return CycleResult(
        thread_id=thread_id,
        status=CycleStatus(status),
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
        run_id=run_id,
    )
