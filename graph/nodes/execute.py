"""execute: submits each approved intent exactly once.

Idempotent on resume: ``submit_exactly_once`` persists the intent before submission and looks the
order up by its deterministic client_order_id before sending, so re-running this node after a
crash adopts what the broker already holds instead of sending it again.
"""

from __future__ import annotations

from langgraph.runtime import Runtime

from graph.context import TradingContext
from graph.domain import EventSeverity, Order, RunEvent
from graph.failpoints import failpoint
from graph.nodes._common import event
from graph.state import TradingState
from tools.brokers.base import BrokerError
from tools.brokers.exactly_once import submit_exactly_once

__all__ = ["execute"]


def execute(state: TradingState, runtime: Runtime[TradingContext]) -> TradingState:
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
