"""Invariant 1, structurally: the only callers of order entry are the execution road's modules.

A second road to the broker (a node, a job, a route calling ``submit_order`` or
``submit_exactly_once`` itself) would skip the account lock, the fresh gate and the decision
record. Brokers implement order entry; ``graph/execution`` alone calls it.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PACKAGES = ("domain", "config", "tools", "agents", "mazo_bridge", "graph", "api")
ORDER_ENTRY = {"submit_order", "submit_exactly_once", "_submit_resolving"}
ALLOWED = ("graph/execution/", "tools/brokers/")
"""The road itself, and the brokers (which implement order entry over their own clients)."""


def _calls(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ORDER_ENTRY:
                found.append((node.lineno, name))
    return found


def test_only_the_execution_road_calls_order_entry() -> None:
    offenders = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if relative.startswith(ALLOWED):
                continue
            offenders += [f"{relative}:{line} calls {name}" for line, name in _calls(path)]
    assert offenders == []


def test_the_execute_node_the_monitor_and_the_emergency_stop_take_the_road() -> None:
    for module in ("graph/nodes/execute.py", "graph/monitor/exit_path.py"):
        source = (ROOT / module).read_text()
        assert ".send(" in source and "graph.execution" in source, module
    for module in ("graph/monitor/monitor.py", "graph/monitor/emergency.py"):
        source = (ROOT / module).read_text()
        assert "exit_through_road(" in source and ".account(" in source, module
