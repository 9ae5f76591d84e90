"""execute: takes the gate's approved intents down the one execution road.

The road re-gates every intent that has no order yet on a fresh snapshot taken inside the account
lock (so a resume after a crash, a late approval or a racing cycle is judged on the account as it
is now; the earlier verdict's quantity is only an upper bound), submits exactly once, and records
each order with its decision-audit row. Idempotent on resume: an intent the broker already holds
is adopted, never sent again. The verdicts this node returns are the fresh ones, so ``record``
audits what was actually decided at submission time.
"""

from __future__ import annotations

from langgraph.runtime import Runtime

from domain import (
    EventSeverity,
    GateVerdict,
    MarketSnapshot,
    Order,
    OrderSide,
    RunEvent,
    TradeAction,
    TradeDecision,
)
from graph.context import TradingContext
from graph.execution import DecisionContext, ExecutionOutcome, ExecutionRoad, OrderRequest
from graph.nodes._common import event
from graph.nodes.market_access import market_of
from graph.nodes.record import inputs_digest
from graph.run_control import mark_executing
from graph.state import CycleState
from tools.brokers.base import BrokerError
from tools.failpoints import failpoint
from tools.llm.routing import prompt_hash_for

__all__ = ["execute"]


def _request(
    state: CycleState, ctx: TradingContext, market: MarketSnapshot | None, verdict: GateVerdict
) -> OrderRequest:
    intent = verdict.intent
    decision = next(
        (d for d in state.get("decisions", []) if d.decision_id == intent.decision_id), None
    )
    if decision is None:  # an intent always comes from a decision; keep the audit whole anyway
        decision = TradeDecision(
            decision_id=intent.decision_id,
            ticker=intent.ticker,
            action=TradeAction.BUY if intent.side is OrderSide.BUY else TradeAction.SELL,
            quantity=intent.qty,
            confidence=0.0,
        )
    audit = DecisionContext(
        decision=decision,
        inputs_digest=inputs_digest(intent.ticker, market_of(state, ctx), state.get("portfolio")),
        analyst_verdicts=tuple(
            v for v in state.get("analyst_verdicts", []) if v.ticker == intent.ticker
        ),
        model=ctx.llm.model_name if ctx.llm is not None else "rules",
        prompt_hash=prompt_hash_for(ctx.llm, f"portfolio_manager:{intent.ticker}"),
    )
    return OrderRequest(intent=intent, audit=audit, approved_qty=verdict.approved_qty)


def _event(runtime: Runtime[TradingContext], outcome: ExecutionOutcome) -> RunEvent:
    intent = outcome.intent
    vetoed = outcome.order is None and not outcome.verdict.executable
    return event(
        runtime,
        "execute",
        EventSeverity.WARNING if vetoed else EventSeverity.ERROR,
        f"re-gated at submission, {outcome.error}" if vetoed else str(outcome.error),
        ticker=intent.ticker,
        client_order_id=intent.client_order_id,
    )


def execute(state: CycleState, runtime: Runtime[TradingContext]) -> CycleState:
    mark_executing(runtime)  # a stop from here on waits for ``record`` (graph.run_control)
    failpoint("before_execute")
    ctx = runtime.context
    verdicts = list(state.get("gate_verdicts", []))
    approved = [v for v in verdicts if v.executable]
    road = ExecutionRoad.for_context(ctx)
    market = market_of(state, ctx) if approved else None
    requests = [_request(state, ctx, market, v) for v in approved]
    events: list[RunEvent] = []
    try:
        outcomes = road.send(requests, market=market)
    except (BrokerError, TimeoutError) as exc:  # the account lock or the ledger's first read
        message = f"orders not placed: {exc}"
        road.alert(EventSeverity.ERROR, "order not placed", message, key=f"execute:{exc}")
        return {"orders": [], "events": [event(runtime, "execute", EventSeverity.ERROR, message)]}
    fresh = {o.intent.client_order_id: o.verdict for o in outcomes}
    orders: list[Order] = [o.order for o in outcomes if o.order is not None]
    events += [_event(runtime, o) for o in outcomes if o.error is not None]
    failpoint("after_execute")
    return {
        "orders": orders,
        "events": events,
        "gate_verdicts": [fresh.get(v.intent.client_order_id, v) for v in verdicts],
    }
