"""record: the decision audit (invariant 6) for every decision of the cycle, traded or not."""

from __future__ import annotations

import hashlib

from langgraph.runtime import Runtime

from domain import GateVerdict, MarketSnapshot, PortfolioSnapshot
from graph.context import TradingContext
from graph.nodes._common import request_of
from graph.nodes.market_access import market_of
from graph.state import CycleState
from tools.llm.routing import prompt_hash_for
from tools.market_data.ticker_json import ticker_json
from tools.persistence.records import DecisionAuditEntry

__all__ = ["inputs_digest", "record"]


def inputs_digest(
    ticker: str, market: MarketSnapshot | None, portfolio: PortfolioSnapshot | None
) -> str:
    """Hash of exactly what the decision saw: the ticker's snapshot and the book."""
    digest = hashlib.sha256()
    data = market.get(ticker) if market is not None else None
    digest.update(ticker_json(data) if data is not None else b"-")
    digest.update(portfolio.model_dump_json().encode() if portfolio is not None else b"-")
    return digest.hexdigest()


def record(state: CycleState, runtime: Runtime[TradingContext]) -> CycleState:
    ctx = runtime.context
    thread_id = request_of(state).thread_id
    by_decision: dict[str, GateVerdict] = {
        v.intent.decision_id: v for v in state.get("gate_verdicts", [])
    }
    placed = {o.client_order_id for o in state.get("orders", [])}
    model = ctx.llm.model_name if ctx.llm is not None else "rules"
    market = market_of(state, runtime) if state.get("decisions") else None
    verdicts = state.get("analyst_verdicts", [])
    entries = []
    for decision in state.get("decisions", []):
        verdict = by_decision.get(decision.decision_id)
        entries.append(
            DecisionAuditEntry(
                thread_id=thread_id,
                decision=decision,
                verdicts=[v for v in verdicts if v.ticker == decision.ticker],
                gate_verdict=verdict,
                inputs_digest=inputs_digest(decision.ticker, market, state.get("portfolio")),
                model=model,
                prompt_hash=prompt_hash_for(ctx.llm, f"portfolio_manager:{decision.ticker}"),
                recorded_at=ctx.clock.now(),
                order_client_ids=[verdict.intent.client_order_id]
                if verdict is not None and verdict.intent.client_order_id in placed
                else [],
            )
        )
    ctx.ledger.record_decisions(entries)  # one transaction for the cycle's decisions
    return {"recorded": True}
