"""Typed progress events of a running cycle, as the runner streams them to every face.

Why typed: the CLI's live view, the HTTP API's SSE stream and the web UI all render the same
events; a face switches on ``kind`` and reads the field that kind fills, instead of digging
through raw LangGraph state updates.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from domain._base import DomainModel
from domain.decisions import TradeDecision
from domain.events import RunEvent
from domain.gate import GateVerdict
from domain.orders import Order
from domain.verdicts import AnalystVerdict

__all__ = ["CycleEvent", "CycleEventKind"]


class CycleEventKind(StrEnum):
    NODE_STARTED = "node_started"
    NODE_FINISHED = "node_finished"
    ANALYST_VERDICT = "analyst_verdict"
    PM_DECISION = "pm_decision"
    GATE_VERDICT = "gate_verdict"
    ORDER_UPDATE = "order_update"
    APPROVAL_REQUESTED = "approval_requested"
    WARNING = "warning"
    ERROR = "error"
    FINISHED = "finished"


class CycleEvent(DomainModel):
    """One event of one run; ``seq`` orders the events of a run without gaps from 1."""

    kind: CycleEventKind
    thread_id: str
    run_id: str
    seq: int = Field(ge=1)
    at: datetime
    node: str | None = None
    """The graph node the event belongs to (analyst tasks report ``analyst``)."""
    duration_ms: float | None = None
    """NODE_FINISHED: wall time of the node's task."""
    ticker: str | None = None
    analyst: str | None = None
    verdict: AnalystVerdict | None = None
    """ANALYST_VERDICT."""
    decision: TradeDecision | None = None
    """PM_DECISION."""
    gate_verdict: GateVerdict | None = None
    """GATE_VERDICT, and APPROVAL_REQUESTED (one event per order waiting)."""
    order: Order | None = None
    """ORDER_UPDATE."""
    run_event: RunEvent | None = None
    """WARNING / ERROR: the run event the node recorded."""
    status: str | None = None
    """FINISHED: ``completed``, ``awaiting_approval``, ``cancelled`` or ``failed``."""
