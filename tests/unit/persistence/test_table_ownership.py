"""tools.persistence is the only owner of its tables: graph/ asks the ledger, never the tables.

Why a test: the review found risk memory, entry levels and reconciliation each querying the
ledger's tables behind its protocol, with two owners of ``risk_baselines`` that disagreed. A new
graph module that imports the table models or the raw store fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
TABLE_MODULES = {
    "tools.persistence.schema",
    "tools.persistence.schema_operations",
    "tools.persistence.store",
}
STILL_MOVING: dict[str, str] = {}
"""Known importers being moved onto the ledger's protocol; keep it empty."""


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_no_graph_module_reads_the_ledgers_tables() -> None:
    offenders = {
        str(path.relative_to(ROOT))
        for path in (ROOT / "graph").rglob("*.py")
        if _imports(path) & TABLE_MODULES
    }
    assert offenders <= set(STILL_MOVING), sorted(offenders - set(STILL_MOVING))


def test_risk_memory_and_entry_levels_use_the_protocol() -> None:
    for module in ("graph/risk/memory.py", "graph/monitor/entry_levels.py"):
        imported = _imports(ROOT / module)
        assert not imported & TABLE_MODULES, module
        assert "sqlalchemy" not in imported, module


def test_no_api_module_reads_the_ledgers_tables() -> None:
    """The operator views ask the ledger (order book, run events), never the tables."""
    offenders = {
        str(path.relative_to(ROOT))
        for path in (ROOT / "api").rglob("*.py")
        if _imports(path) & (TABLE_MODULES | {"sqlalchemy"})
    }
    assert not offenders, sorted(offenders)
