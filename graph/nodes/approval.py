"""approval: in supervised sessions, a LangGraph interrupt waits for a typed human verdict.

The answer goes back through ``risk_gate`` (never straight to ``execute``), so an approval cannot
revive a decision that has expired or a trade that a HALT has since forbidden.
"""

from __future__ import annotations

from langgraph.runtime import Runtime
from langgraph.types import interrupt

from domain import ApprovalRequest, ApprovalVerdict
from graph.context import TradingContext
from graph.nodes._common import request_of
from graph.state import CycleState

__all__ = ["approval"]


def approval(state: CycleState, runtime: Runtime[TradingContext]) -> CycleState:
    request = ApprovalRequest(
        thread_id=request_of(state).thread_id,
        verdicts=tuple(v for v in state.get("gate_verdicts", []) if v.executable),
    )
    answer = interrupt(request.model_dump(mode="json"))
    return {"approval": ApprovalVerdict.model_validate(answer)}
