"""The one road to the broker: gate snapshot, gate, persisted intent, exactly-once submission,
order and decision records, serialised per account (invariant 1)."""

from __future__ import annotations

from graph.execution.exactly_once import is_dead, submit_exactly_once
from graph.execution.requests import DecisionContext, ExecutionOutcome, OrderRequest
from graph.execution.road import AccountDesk, ExecutionRoad

__all__ = [
    "AccountDesk",
    "DecisionContext",
    "ExecutionOutcome",
    "ExecutionRoad",
    "OrderRequest",
    "is_dead",
    "submit_exactly_once",
]
