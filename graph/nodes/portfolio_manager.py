"""portfolio_manager: code computes the allowed actions, the policy chooses inside them.

Research that blocks entries (per mode and policy) removes BUY and SHORT from the allowed set
before the policy sees it, so not even an LLM can choose them. Each decision becomes at most one
order intent with a deterministic client_order_id.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from langgraph.runtime import Runtime

from agents.portfolio_manager.allowed_actions import compute_allowed_actions
from agents.portfolio_manager.manager import decide
from domain import (
    AllowedActions,
    EventSeverity,
    OrderIntent,
    OrderSide,
    RunEvent,
    TradeAction,
    TradeDecision,
    client_order_id_for,
)
from graph.context import TradingContext
from graph.modes import research_blocks_entry
from graph.nodes._common import event, mode_of, request_of
from graph.state import CycleState

__all__ = ["intent_for", "portfolio_manager"]

_SIDE = {
    TradeAction.BUY: OrderSide.BUY,
    TradeAction.COVER: OrderSide.BUY,
    TradeAction.SELL: OrderSide.SELL,
    TradeAction.SHORT: OrderSide.SELL,
}


def intent_for(
    decision: TradeDecision,
    *,
    thread_id: str,
    reference_price: Decimal,
    now: datetime,
) -> OrderIntent | None:
    """The order intent that carries out ``decision``, or ``None`` for a hold or zero quantity."""
    if decision.action is TradeAction.HOLD or decision.quantity <= 0:
        return None
    reduces = decision.action.reduces_risk
    return OrderIntent(
        client_order_id=client_order_id_for(
            thread_id, decision.decision_id, decision.ticker, "exit" if reduces else "entry"
        ),
        decision_id=decision.decision_id,
        thread_id=thread_id,
        ticker=decision.ticker,
        side=_SIDE[decision.action],
        qty=decision.quantity,
        reference_price=reference_price,
        reduces_position=reduces,
        stop_loss=None if reduces else decision.stop_loss,
        take_profit=None if reduces else decision.take_profit,
        created_at=now,
    )


def _without_entries(allowed: AllowedActions) -> AllowedActions:
    limits = dict(allowed.max_qty)
    limits[TradeAction.BUY] = Decimal(0)
    limits[TradeAction.SHORT] = Decimal(0)
    return allowed.model_copy(update={"max_qty": limits})


async def portfolio_manager(state: CycleState, runtime: Runtime[TradingContext]) -> CycleState:
    ctx = runtime.context
    settings = ctx.settings
    request = request_of(state)
    mode = mode_of(state)
    market, portfolio = state["market"], state["portfolio"]
    assert market is not None and portfolio is not None
    now = ctx.clock.now()
    decisions: list[TradeDecision] = []
    intents: list[OrderIntent] = []
    events: list[RunEvent] = []
    for ticker in state.get("candidates", []):
        data = market.get(ticker)
        if data is None or data.last_close is None or data.last_close <= 0:
            events.append(
                event(
                    runtime,
                    "portfolio_manager",
                    EventSeverity.WARNING,
                    "no trusted price; no decision",
                    ticker=ticker,
                )
            )
            continue
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
            decision_id=f"{request.thread_id}:{ticker}",
            allowed=allowed,
            verdicts=[v for v in state.get("analyst_verdicts", []) if v.ticker == ticker],
            signals=[s for s in state.get("signals", []) if s.ticker == ticker],
            research=finding,
            thresholds=settings.thresholds,
            risk=settings.risk,
            llm=ctx.llm,
        )
        if blocked is not None:
            decision = decision.model_copy(
                update={"clamps": (*decision.clamps, f"entries removed: {blocked}")}
            )
        decisions.append(decision)
        intent = intent_for(decision, thread_id=request.thread_id, reference_price=price, now=now)
        if intent is not None:
            intents.append(intent)
    return {"decisions": decisions, "order_intents": intents, "events": events}
