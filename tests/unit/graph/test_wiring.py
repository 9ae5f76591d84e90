"""The graph's structure is a safety property: these tests read it off the compiled graph."""

from __future__ import annotations

import itertools

import pytest

from graph.builder import build_graph
from graph.modes import WorkflowMode


def _edges(mode: WorkflowMode) -> set[tuple[str, str]]:
    drawn = build_graph(mode).compile().get_graph()
    return {(e.source, e.target) for e in drawn.edges}


TRADING_MODES = [m for m in WorkflowMode if m.trades]


@pytest.mark.parametrize("mode", TRADING_MODES, ids=str)
def test_only_edge_into_execute_comes_from_risk_gate(mode: WorkflowMode) -> None:
    into_execute = {src for src, dst in _edges(mode) if dst == "execute"}
    assert into_execute == {"risk_gate"}


@pytest.mark.parametrize("mode", TRADING_MODES, ids=str)
def test_approval_returns_to_the_gate_not_to_execute(mode: WorkflowMode) -> None:
    edges = _edges(mode)
    assert ("risk_gate", "approval") in edges
    assert ("approval", "risk_gate") in edges
    assert ("approval", "execute") not in edges


@pytest.mark.parametrize(
    ("mode", "chain"),
    [
        (
            WorkflowMode.SIGNAL,
            [
                "load_context",
                "strategy_engine",
                "analyst",
                "portfolio_manager",
                "risk_gate",
                "execute",
                "record",
            ],
        ),
        (
            WorkflowMode.FULL,
            [
                "load_context",
                "strategy_engine",
                "research_validation",
                "analyst",
                "portfolio_manager",
                "risk_gate",
                "execute",
                "record",
            ],
        ),
        (
            WorkflowMode.PRE_RESEARCH,
            [
                "load_context",
                "strategy_engine",
                "research_validation",
                "analyst",
                "portfolio_manager",
                "risk_gate",
                "execute",
                "record",
            ],
        ),
        (
            WorkflowMode.POST_RESEARCH,
            [
                "load_context",
                "strategy_engine",
                "analyst",
                "portfolio_manager",
                "research_validation",
                "risk_gate",
                "execute",
                "record",
            ],
        ),
        (
            WorkflowMode.RESEARCH,
            ["load_context", "strategy_engine", "research_validation", "record"],
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_node_order_per_mode(mode: WorkflowMode, chain: list[str]) -> None:
    edges = _edges(mode)
    for src, dst in itertools.pairwise(chain):
        assert (src, dst) in edges, f"{mode}: missing {src} -> {dst}"


def test_research_mode_has_no_road_to_the_broker() -> None:
    nodes = set(build_graph(WorkflowMode.RESEARCH).compile().get_graph().nodes)
    assert {"execute", "risk_gate", "portfolio_manager"}.isdisjoint(nodes)


def test_signal_mode_has_no_research() -> None:
    nodes = set(build_graph(WorkflowMode.SIGNAL).compile().get_graph().nodes)
    assert "research_validation" not in nodes
