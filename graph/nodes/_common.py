"""Small helpers shared by the nodes: the request, the mode and event construction."""

from __future__ import annotations

from langgraph.runtime import Runtime

from domain import EventSeverity, RunEvent, RunRequest
from graph.context import TradingContext
from graph.modes import WorkflowMode
from graph.state import CycleState

__all__ = ["event", "mode_of", "request_of"]


def request_of(state: CycleState) -> RunRequest:
    return state["request"]


def mode_of(state: CycleState) -> WorkflowMode:
    return WorkflowMode(state["request"].mode)


def event(
    runtime: Runtime[TradingContext],
    node: str,
    severity: EventSeverity,
    message: str,
    *,
    ticker: str | None = None,
    **context: str,
) -> RunEvent:
    return RunEvent(
        node=node,
        severity=severity,
        message=message,
        at=runtime.context.clock.now(),
        ticker=ticker,
        context=context,
    )
