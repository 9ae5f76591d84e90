"""Small helpers shared by the nodes: the request, the mode, event construction, and mid-step
reports to the runner's stream."""

from __future__ import annotations

from langgraph.runtime import Runtime

from domain import EventSeverity, Order, RunEvent, RunRequest
from graph.context import TradingContext
from graph.modes import WorkflowMode
from graph.state import CycleState

__all__ = ["ORDER_UPDATE_KEY", "event", "mode_of", "report_order", "request_of"]

ORDER_UPDATE_KEY = "hedgegraph.order_update"
"""Key of a ``custom`` stream payload carrying an ``Order`` (see ``graph.cycle_stream``)."""


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


def report_order(runtime: Runtime[TradingContext], order: Order, *, node: str = "execute") -> None:
    """Tell the stream about an order as soon as the broker answers, not when the node returns.

    Why: a node that submits several orders takes as long as the broker does; a face watching
    the run sees each order the moment it exists. Outside a streamed run this does nothing.
    """
    runtime.stream_writer({ORDER_UPDATE_KEY: order, "node": node})
