"""The run a log line belongs to: run id and thread id (and, where a caller knows them, node,
ticker and order ids), carried in context variables so every line a run's task writes has them.

Why context variables: a cycle runs in its own asyncio task (graph/run_driver.py) and LangGraph
copies the context into each node's task and worker thread, so a line logged deep in a node or a
broker client gets the run's ids without any function passing them along.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

__all__ = ["LOG_FIELDS", "bind_run", "current_fields"]

LOG_FIELDS = ("run_id", "thread_id", "node", "ticker", "client_order_id", "broker_order_id")
"""The fields a JSON log line carries when they apply (from the context or a call's extra=)."""

_RUN: ContextVar[dict[str, str] | None] = ContextVar("hedgegraph_log_run", default=None)


def bind_run(run_id: str, thread_id: str) -> None:
    """Tag every later line of the calling task (and the tasks it starts) with this run."""
    _RUN.set({"run_id": run_id, "thread_id": thread_id})


def current_fields() -> dict[str, Any]:
    return dict(_RUN.get() or {})
