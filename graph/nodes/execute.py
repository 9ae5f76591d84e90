"""execute: submits each approved intent exactly once.

Idempotent on resume: ``submit_exactly_once`` persists the intent before submission and looks the
order up by its deterministic client_order_id before sending, so re-running this node after a
crash adopts what the broker already holds instead of sending it again.
"""

from __future__ import annotations

from langgraph.runtime import Runtime

from domain import EventSeverity, Order, RunEvent
from graph.context import TradingContext
from graph.nodes._common import event
from graph.state import CycleState
from tools.brokers.base import BrokerError
from tools.brokers.exactly_once import submit_exactly_once
from tools.failpoints import failpoint

__all__ = ["execute"]


def execute(state: CycleState, runtime: Runtime[TradingContext]) -> CycleState:
    failpoint("before_execute")
    ctx = runtime.context
    orders: list[Order] = []
    events: list[RunEvent] = []
    for verdict in state.get("gate_verdicts", []):
        if not verdict.executable:
            continue
        intent = verdict.intent
        try:
            orders.append(
                submit_exactly_once(
                    intent, verdict.approved_qty, broker=ctx.broker, ledger=ctx.ledger
                )
            )
        except BrokerError as exc:
            events.append(
                event(
                    runtime,
                    "execute",
                    EventSeverity.ERROR,
                    f"order not placed: {exc}",
                    ticker=intent.ticker,
                    client_order_id=intent.client_order_id,
                )
            )
    failpoint("after_execute")
    return {"orders": orders, "events": events}
