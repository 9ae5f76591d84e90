"""strategy_engine: deterministic signals that narrow the universe to candidates.

Held positions are always candidates, so the analysts and the PM can decide on exits even when no
strategy fires.
"""

from __future__ import annotations

from langgraph.runtime import Runtime

from agents.strategies.registry import run_strategies
from domain import Direction, StrategySignal
from graph.context import TradingContext
from graph.nodes.market_access import market_of
from graph.state import CycleState

__all__ = ["strategy_engine"]


def strategy_engine(state: CycleState, runtime: Runtime[TradingContext]) -> CycleState:
    market = market_of(state, runtime)
    portfolio = state["portfolio"]
    assert market is not None and portfolio is not None  # routed here only when both are known
    min_confidence = runtime.context.settings.thresholds.min_signal_confidence
    signals: list[StrategySignal] = []
    candidates: list[str] = []
    for ticker in state["universe"]:
        data = market.get(ticker)
        if data is None or not data.quality.tradable:
            if ticker in portfolio.positions:
                candidates.append(ticker)
            continue
        found = run_strategies(ticker, data.bars)
        signals.extend(found)
        strong = any(
            s.direction is not Direction.NEUTRAL and s.confidence >= min_confidence for s in found
        )
        if strong or ticker in portfolio.positions:
            candidates.append(ticker)
    return {"signals": signals, "candidates": candidates}
