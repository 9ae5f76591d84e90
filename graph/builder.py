"""Wiring of the trading graph for each workflow mode.

    START -> load_context -> strategy_engine -> [research_validation] -> analyst x N (Send)
          -> portfolio_manager -> [research_validation (post_research)] -> risk_gate
          -> [approval -> risk_gate, supervised only] -> execute -> record -> END

Invariant 1 is structural: ``execute`` has exactly one incoming edge, from ``risk_gate``; the
approval node loops back into the gate rather than forward into execution.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, cast

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import Send

from graph.context import TradingContext
from graph.modes import WorkflowMode
from graph.nodes.analysts import AnalystTask, fan_out_analysts, run_analyst
from graph.nodes.approval import approval
from graph.nodes.execute import execute
from graph.nodes.load_context import load_context
from graph.nodes.portfolio_manager import portfolio_manager
from graph.nodes.record import record
from graph.nodes.research_validation import research_candidates, research_decisions
from graph.nodes.risk_gate import risk_gate
from graph.nodes.strategy_engine import strategy_engine
from graph.state import CycleState

__all__ = ["build_graph"]


def _after_load(state: CycleState) -> Literal["strategy_engine", "record"]:
    return "strategy_engine" if state.get("portfolio") is not None else "record"


def _to_analysts(state: CycleState) -> list[Send] | Literal["record"]:
    if not state.get("candidates"):
        return "record"
    return fan_out_analysts(state)


def _after_gate(state: CycleState) -> Literal["approval", "execute", "record"]:
    if not any(v.executable for v in state.get("gate_verdicts", [])):
        return "record"
    supervised = state["request"].session_mode == "supervised"
    if supervised and state.get("approval") is None:
        return "approval"
    return "execute"


SyncNode = Callable[[CycleState, Runtime[TradingContext]], CycleState]


def _on_the_loop(node: SyncNode) -> Any:
    """``node`` as a coroutine function: LangGraph awaits it on the loop instead of sending it to
    a worker thread. The same function runs, with the same state and runtime."""

    async def run(state: CycleState, runtime: Runtime[TradingContext]) -> CycleState:
        return node(state, runtime)

    run.__name__ = run.__qualname__ = node.__name__
    run.__doc__ = node.__doc__
    return run


def build_graph(
    mode: WorkflowMode | str, *, sync_nodes_on_loop: bool = False
) -> StateGraph[CycleState, TradingContext]:
    """The uncompiled graph for ``mode``; compile it with a checkpointer to run it.

    ``sync_nodes_on_loop``: run the synchronous nodes (load_context, strategy_engine, research,
    risk_gate, approval, execute, record) on the event loop rather than in LangGraph's worker
    threads. Only for a backtest: its loop has nothing else to do while a node runs, and the hop
    to a thread and back was about a tenth of a year's run. A live cycle keeps the threads: its
    sync nodes wait on brokers and data providers, and the loop must keep streaming meanwhile.
    """
    mode = WorkflowMode(mode)
    builder: StateGraph[CycleState, TradingContext] = StateGraph(
        CycleState, context_schema=TradingContext
    )

    def sync(node: SyncNode) -> Any:
        return _on_the_loop(node) if sync_nodes_on_loop else node

    builder.add_node("load_context", sync(load_context))
    builder.add_node("strategy_engine", sync(strategy_engine))
    builder.add_node("record", sync(record))
    builder.add_edge(START, "load_context")
    builder.add_conditional_edges("load_context", _after_load, ["strategy_engine", "record"])
    builder.add_edge("record", END)

    if mode is WorkflowMode.RESEARCH:
        builder.add_node("research_validation", sync(research_candidates))
        builder.add_edge("strategy_engine", "research_validation")
        builder.add_edge("research_validation", "record")
        return builder

    # The Send payload (AnalystTask) differs from the graph state; langgraph's overloads cannot
    # express a node whose input is a Send payload (the error they report differs between releases),
    # hence the cast rather than a version-specific ignore.
    builder.add_node("analyst", cast(Any, run_analyst), input_schema=AnalystTask)
    builder.add_node("portfolio_manager", portfolio_manager)
    builder.add_node("risk_gate", sync(risk_gate))
    builder.add_node("approval", sync(approval))
    builder.add_node("execute", sync(execute))

    if mode.researches_before_analysts:
        builder.add_node("research_validation", sync(research_candidates))
        builder.add_edge("strategy_engine", "research_validation")
        builder.add_conditional_edges("research_validation", _to_analysts, ["analyst", "record"])
    else:
        builder.add_conditional_edges("strategy_engine", _to_analysts, ["analyst", "record"])
    builder.add_edge("analyst", "portfolio_manager")

    if mode is WorkflowMode.POST_RESEARCH:
        builder.add_node("research_validation", sync(research_decisions))
        builder.add_edge("portfolio_manager", "research_validation")
        builder.add_edge("research_validation", "risk_gate")
    else:
        builder.add_edge("portfolio_manager", "risk_gate")

    builder.add_conditional_edges("risk_gate", _after_gate, ["approval", "execute", "record"])
    builder.add_edge("approval", "risk_gate")
    builder.add_edge("execute", "record")
    return builder
