"""research_validation: independent evidence for or against each candidate (or each entry decision).

A research failure is recorded as UNAVAILABLE with the reason; the configured policy (default
fail-closed) then decides. It never fails open silently. The backend is ``research.backend``
(``mazo_bridge.backends``); candidates are researched in parallel, at most
``research.max_parallel`` at once.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from langgraph.runtime import Runtime

from domain import (
    EventSeverity,
    ResearchFinding,
    ResearchStance,
    RunEvent,
    TradeAction,
    TradeDecision,
)
from graph.context import TradingContext
from graph.modes import research_blocks_entry
from graph.nodes._common import event, mode_of
from graph.nodes.market_access import market_of
from graph.state import CycleState
from mazo_bridge.backends import configured_research
from mazo_bridge.placeholder import RulesResearch

__all__ = ["research_candidates", "research_decisions"]


def _research(
    tickers: list[str], state: CycleState, runtime: Runtime[TradingContext]
) -> tuple[dict[str, ResearchFinding], list[RunEvent]]:
    ctx = runtime.context
    market = market_of(state, runtime)
    assert market is not None

    def one(ticker: str) -> ResearchFinding:
        signals = [s for s in state.get("signals", []) if s.ticker == ticker]
        try:
            service = configured_research(ctx.settings, ctx.market_data, ctx.research)
            return service.validate(ticker, signals, market)
        except Exception as exc:  # any research failure is recorded, then the policy decides
            return ResearchFinding(
                ticker=ticker,
                stance=ResearchStance.UNAVAILABLE,
                reason=f"{type(exc).__name__}: {exc}",
            )

    findings: dict[str, ResearchFinding] = {}
    events: list[RunEvent] = []
    workers = max(1, min(ctx.settings.research.max_parallel, len(tickers)))
    if workers == 1 or _answers_from_snapshot(ctx):
        answered = [one(ticker) for ticker in tickers]
    else:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="research") as pool:
            answered = list(pool.map(one, tickers))  # candidates in parallel, bounded, in order
    for ticker, finding in zip(tickers, answered, strict=True):
        if finding.stance is ResearchStance.UNAVAILABLE:
            events.append(
                event(
                    runtime,
                    "research_validation",
                    EventSeverity.WARNING,
                    f"research unavailable: {finding.reason}",
                    ticker=ticker,
                )
            )
        findings[ticker] = finding
    return findings, events


def _answers_from_snapshot(ctx: TradingContext) -> bool:
    """True for the ``rules`` backend's evidence check: it reads only the snapshot in memory, so
    threads would add their start-up and nothing else (a backtest researches every session)."""
    return ctx.settings.research.backend == "rules" and isinstance(ctx.research, RulesResearch)


def research_candidates(state: CycleState, runtime: Runtime[TradingContext]) -> CycleState:
    """Pre-analyst research (modes research, pre_research, full)."""
    findings, events = _research(state.get("candidates", []), state, runtime)
    return {"research": findings, "events": events}


def research_decisions(state: CycleState, runtime: Runtime[TradingContext]) -> CycleState:
    """Post-PM research (mode post_research): validates entries, turning blocked ones into holds."""
    entries = [
        d.ticker
        for d in state.get("decisions", [])
        if d.action in (TradeAction.BUY, TradeAction.SHORT)
    ]
    findings, events = _research(entries, state, runtime)
    policy = runtime.context.settings.research.unavailable_policy
    decisions: list[TradeDecision] = []
    for decision in state.get("decisions", []):
        reason = (
            research_blocks_entry(mode_of(state), findings.get(decision.ticker), policy)
            if decision.ticker in findings
            else None
        )
        if reason is not None:
            decision = decision.model_copy(
                update={
                    "action": TradeAction.HOLD,
                    "quantity": Decimal(0),
                    "clamps": (*decision.clamps, f"entry blocked: {reason}"),
                }
            )
        decisions.append(decision)
    blocked = {d.ticker for d in decisions if d.action is TradeAction.HOLD}
    intents = [i for i in state.get("order_intents", []) if i.ticker not in blocked]
    return {
        "research": findings,
        "events": events,
        "decisions": decisions,
        "order_intents": intents,
    }
