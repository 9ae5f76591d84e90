"""risk_gate: the only road to ``execute``. Gathers a fresh snapshot, then calls the pure gate.

The snapshot is rebuilt from the broker and ledger each time the node runs, so a gate that runs
again after a human approval (which may come hours later) judges against the current book,
the current trading state (a HALT issued meanwhile wins), the persisted risk memory (daily-loss
baseline, high-water mark, cooldowns, order rate) and the current time (decisions expire).
"""

from __future__ import annotations

from decimal import Decimal

from langgraph.runtime import Runtime

from domain import (
    EventSeverity,
    GateOutcome,
    GateReason,
    GateVerdict,
    OrderIntent,
    ReasonCode,
)
from graph.context import TradingContext
from graph.nodes._common import event
from graph.nodes.market_access import market_of
from graph.risk.gate import evaluate_intents
from graph.risk.gather import gather_gate_snapshot
from graph.state import CycleState
from tools.brokers.base import BrokerError

__all__ = ["risk_gate"]


def _veto_all(intents: list[OrderIntent], code: ReasonCode, message: str) -> list[GateVerdict]:
    reason = GateReason(code=code, message=message)
    return [
        GateVerdict(
            intent=i, outcome=GateOutcome.VETOED, approved_qty=Decimal(0), reasons=(reason,)
        )
        for i in intents
    ]


def risk_gate(state: CycleState, runtime: Runtime[TradingContext]) -> CycleState:
    ctx = runtime.context
    intents = list(state.get("order_intents", []))
    approval = state.get("approval")
    if approval is not None and not approval.approved:
        note = f" ({approval.note})" if approval.note else ""
        return {
            "gate_verdicts": _veto_all(
                intents, ReasonCode.HUMAN_REJECTED, f"rejected by {approval.approver}{note}"
            )
        }
    market = market_of(state, runtime)
    assert market is not None
    try:
        snapshot = gather_gate_snapshot(
            broker=ctx.broker,
            ledger=ctx.ledger,
            market=market,
            limits=ctx.settings.risk,
            clock=ctx.clock,
            tickers=[i.ticker for i in intents],
        )
    except BrokerError as exc:
        message = f"broker unavailable at gate time: {exc}"
        return {
            "gate_verdicts": _veto_all(intents, ReasonCode.STALE_DATA, message),
            "events": [event(runtime, "risk_gate", EventSeverity.ERROR, message)],
        }
    return {"gate_verdicts": evaluate_intents(intents, snapshot, ctx.settings.risk)}
