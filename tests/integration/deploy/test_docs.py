"""The operator's documents cannot drift from the code: the architecture page's diagrams are the
compiled graphs' own drawings, the manual's metrics table and the sample dashboard name exactly
the series the process exposes, and the README stays the front door that links them."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType

from prometheus_client import generate_latest

from tools.observability.account_gauges import AccountGauges, AccountReading, MetricsUnion
from tools.observability.metrics import REGISTRY

REPO = Path(__file__).resolve().parents[3]
DOCS = REPO / "docs"
_SERIES = re.compile(r"\bhedgegraph_[a-z_]+")


def _renderer() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "render_architecture", DOCS / "render_architecture.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_architecture_page_shows_the_compiled_graphs_of_every_mode() -> None:
    render = _renderer()
    page = (DOCS / "architecture.md").read_text()
    assert render.with_current_diagrams(page) == page, (
        "docs/architecture.md is stale: run python docs/render_architecture.py"
    )
    for mode in ("signal", "research", "pre_research", "post_research", "full"):
        assert f"### `{mode}`" in page
    assert "risk_gate -.-> execute;" in page and "approval --> risk_gate;" in page


def _exposed_families() -> dict[str, str]:
    """Every hedgegraph family the API and the scheduler expose -> its type."""
    reading = AccountReading(
        trading_state="active",
        equity_usd=1.0,
        daily_pnl_usd=0.0,
        heartbeat_age_seconds={"scheduler": 1.0},
    )
    union = MetricsUnion([REGISTRY, AccountGauges(lambda: reading)])
    families = {f.name: f.type for f in union.collect() if f.name.startswith("hedgegraph_")}
    assert "hedgegraph_equity_usd" in generate_latest(union).decode()
    return families


def _sample_names(families: dict[str, str]) -> set[str]:
    suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum")}
    return {name + s for name, kind in families.items() for s in suffixes.get(kind, ("",))}


def test_the_manuals_metrics_table_lists_every_series_and_no_other() -> None:
    manual = (DOCS / "operations.md").read_text()
    table = [line for line in manual.splitlines() if line.startswith("| `hedgegraph_")]
    named = {
        m.removesuffix("_total") for line in table for m in _SERIES.findall(line.split("|")[1])
    }
    assert named == set(_exposed_families()), named ^ set(_exposed_families())


def test_the_sample_dashboard_queries_only_series_that_exist() -> None:
    dashboard = json.loads((REPO / "deploy" / "grafana" / "hedgegraph.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    used = {name for expr in exprs for name in _SERIES.findall(expr)}
    assert used <= _sample_names(_exposed_families()), used - _sample_names(_exposed_families())
    assert len({p["id"] for p in dashboard["panels"]}) == len(dashboard["panels"])
    families = _exposed_families()
    shown = {n.removesuffix(s) for n in used for s in ("_total", "_bucket", "") if n.endswith(s)}
    assert set(families) <= shown, set(families) - shown


def test_the_readme_keeps_its_two_commands_and_links_the_manual() -> None:
    readme = (REPO / "README.md").read_text()
    assert "make demo    # one trading cycle on the embedded default: no keys, no servers" in readme
    assert (
        "make test    # lint (ruff + import layers), type check (mypy) and the whole test suite"
        in readme
    )
    assert "docs/operations.md" in readme and "docs/architecture.md" in readme
