"""portfolio_manager: code computes the allowed actions, the policy chooses inside them.

Research that blocks entries (per mode and policy) removes BUY and SHORT from the allowed set
before the policy sees it, so not even an LLM can choose them. Each decision becomes at most one
order intent with a deterministic client_order_id. Candidates are decided concurrently, and any
verdict or decision the LLM budget cut short is reported (event and alert), never dropped quietly.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal

from langgraph.runtime import Runtime

from agents.portfolio_manager.allowed_actions import compute_allowed_actions
from agents.portfolio_manager.manager import decide
from domain import (
    AllowedActions,
    EventSeverity,
    MarketSnapshot,
    OrderIntent,
    RunEvent,
    TradeAction,
    TradeDecision,
)
from graph.context import TradingContext
from graph.execution.intents import decision_intent
from graph.modes import research_blocks_entry
from graph.nodes._common import event, mode_of, request_of
from graph.nodes.budget_report import report_budget_exhausted
from graph.nodes.market_access import market_of
from graph.state import CycleState
from tools.failpoints import failpoint
from tools.llm.routing import grant_budget

__all__ = ["portfolio_manager"]


def _without_entries(allowed: AllowedActions) -> AllowedActions:
    limits = dict(allowed.max_qty)
    limits[TradeAction.BUY] = Decimal(0)
    limits[TradeAction.SHORT] = Decimal(0)
    return allowed.model_copy(update={"max_qty": limits})


async def _decide_one(
    ticker: str, state: CycleState, runtime: Runtime[TradingContext], market: MarketSnapshot
) -> TradeDecision | RunEvent:
    """The decision for one candidate, or the event that says why there is none."""
    settings = runtime.context.settings
    mode = mode_of(state)
    portfolio = state["portfolio"]
    assert portfolio is not None
    data = market.get(ticker)
    if data is None or data.last_close is None or data.last_close <= 0:
        return event(
            runtime,
            "portfolio_manager",
            EventSeverity.WARNING,
            "no trusted price; no decision",
            ticker=ticker,
        )
    price = Decimal(str(round(data.last_close, 4)))
    allowed = compute_allowed_actions(ticker, price, portfolio, settings.risk)
    finding = state.get("research", {}).get(ticker)
    blocked = (
        research_blocks_entry(mode, finding, settings.research.unavailable_policy)
        if mode.researches_before_analysts
        else None
    )
    if blocked is not None:
        allowed = _without_entries(allowed)
    decision = await decide(
        decision_id=f"{request_of(state).thread_id}:{ticker}",
        allowed=allowed,
        verdicts=[v for v in state.get("analyst_verdicts", []) if v.ticker == ticker],
        signals=[s for s in state.get("signals", []) if s.ticker == ticker],
        research=finding,
        thresholds=settings.thresholds,
        risk=settings.risk,
        llm=runtime.context.llm,
    )
    if blocked is not None:
        decision = decision.model_copy(
            update={"clamps": (*decision.clamps, f"entries removed: {blocked}")}
        )
    return decision


async def portfolio_manager(state: CycleState, runtime: Runtime[TradingContext]) -> CycleState:
    """Decides every candidate at once; each decision is still parsed, clamped and audited alone.

    Why concurrently: one LLM call per candidate in sequence made the PM the longest step of the
    cycle (6.8 s for 23 candidates at 300 ms a call); the LLM concurrency limit still bounds how
    many calls are in flight. Decisions keep the candidates' order.
    """
    failpoint("before_portfolio_manager")  # crash tests: killed after the analysts' checkpoint
    ctx = runtime.context
    request = request_of(state)
    market = market_of(state, runtime)
    assert market is not None and state["portfolio"] is not None
    now = ctx.clock.now()
    candidates = state.get("candidates", [])
    grant_budget(ctx.llm, "portfolio_manager", len(candidates))
    outcomes = await asyncio.gather(*(_decide_one(t, state, runtime, market) for t in candidates))
    decisions = [o for o in outcomes if isinstance(o, TradeDecision)]
    events = [o for o in outcomes if isinstance(o, RunEvent)]
    intents: list[OrderIntent] = []
    for decision in decisions:
        data = market.get(decision.ticker)
        assert data is not None and data.last_close is not None
        price = Decimal(str(round(data.last_close, 4)))
        intent = decision_intent(
            decision, thread_id=request.thread_id, reference_price=price, now=now
        )
        if intent is not None:
            intents.append(intent)
    events += report_budget_exhausted(state, runtime, state.get("analyst_verdicts", []), decisions)
    return {"decisions": decisions, "order_intents": intents, "events": events}
