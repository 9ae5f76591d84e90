"""Verdicts and decisions the LLM budget cut short, told to the operator instead of dropped.

Why a report and not only the per-verdict reason: a ``budget_exhausted`` verdict is a correct,
fail-closed "no signal", but a run that lost judgements to the budget decided on less than it
was configured to; the operator must hear it (an event in the run's result and an alert).
"""

from __future__ import annotations

from collections.abc import Sequence

from langgraph.runtime import Runtime

from domain import AnalystVerdict, EventSeverity, RunEvent, TradeDecision
from graph.context import TradingContext
from graph.nodes._common import event, request_of
from graph.state import CycleState
from tools.alerts.model import Alert
from tools.llm.failures import LLMFailure

__all__ = ["report_budget_exhausted"]

_PM_MARK = f"llm_failure:{LLMFailure.BUDGET_EXHAUSTED.value}"


def report_budget_exhausted(
    state: CycleState,
    runtime: Runtime[TradingContext],
    verdicts: Sequence[AnalystVerdict],
    decisions: Sequence[TradeDecision],
) -> list[RunEvent]:
    """One error event (and one alert) when any verdict or decision hit the budget; else none."""
    cut_verdicts = [v for v in verdicts if v.failure_reason == LLMFailure.BUDGET_EXHAUSTED.value]
    cut_decisions = [d for d in decisions if any(c.startswith(_PM_MARK) for c in d.clamps)]
    if not cut_verdicts and not cut_decisions:
        return []
    tickers = sorted({v.ticker for v in cut_verdicts} | {d.ticker for d in cut_decisions})
    message = (
        f"LLM budget exhausted: {len(cut_verdicts)} of {len(verdicts)} analyst verdicts and "
        f"{len(cut_decisions)} of {len(decisions)} PM decisions got no LLM judgement "
        f"(no signal / no trade) for {', '.join(tickers)}"
    )
    context = {
        "analyst_verdicts_cut": str(len(cut_verdicts)),
        "decisions_cut": str(len(cut_decisions)),
    }
    ctx = runtime.context
    if ctx.alerts is not None:
        thread_id = request_of(state).thread_id
        ctx.alerts.send(
            Alert(
                severity=EventSeverity.ERROR,
                title="LLM budget exhausted",
                message=message,
                at=ctx.clock.now(),
                key=f"llm_budget_exhausted:{thread_id}",
                context=context,
                source="portfolio_manager",
                thread_id=thread_id,
            )
        )
    return [event(runtime, "portfolio_manager", EventSeverity.ERROR, message, **context)]
