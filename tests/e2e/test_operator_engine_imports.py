"""Operator commands run on the one engine and never load the cycle's machinery.

Why: ``halt`` must work when the LLM, the analysts or market data are broken or slow to import,
and ``status`` must start in well under a second. A fresh interpreter (clean environment, fresh
home) runs the operator commands through the real CLI, then reports which modules it loaded:
the engine must be among them (one home for the broker and the close source), and the LLM
clients, LangChain, LangGraph, numpy/pandas, the analyst registry, the market-data factory,
alembic (the schema is current) and httpx (no webhook is configured) must not. A rules-only
cycle run the same way loads them, so the probe sees what it looks for.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.test_cli import AS_OF, CLI_TREE, clean_env, cli

pytestmark = pytest.mark.e2e

CYCLE_ONLY = (
    "openai",
    "langchain_openai",
    "langchain_core",
    "langgraph",
    "numpy",
    "pandas",
    "agents.analysts.registry",
    "tools.llm.factory",
    "tools.market_data.factory",
)
"""Modules only a cycle needs (``pandas``: nothing in the project imports it, and nothing may)."""
STARTUP_ONLY = ("alembic", "httpx")
"""Modules an operator command on a current schema, without webhooks, needs neither."""

OPERATOR_COMMANDS = [
    ["status", "--json"],
    ["positions", "--json"],
    ["orders", "--json"],
    ["history", "--json"],
    ["audit", "--thread", "nobody", "--json"],
    ["reduce-only", "--json"],
    ["resume-trading", "--yes", "--json"],
    ["monitor-once", "--json"],
    ["halt", "--yes", "--json"],
]

_PROBE = """
import json, sys
from api.cli import app
codes = []
for args in json.loads(sys.argv[1]):
    try:
        app(args)
    except SystemExit as exc:
        codes.append(exc.code or 0)
watched = json.loads(sys.argv[2])
print(json.dumps({"codes": codes, "loaded": sorted(m for m in watched if m in sys.modules)}))
"""


def _loaded_after(home: Path, commands: list[list[str]], watched: list[str]) -> dict[str, list]:
    workdir = home.parent / "probe-cwd"
    workdir.mkdir(exist_ok=True)
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(commands), json.dumps(watched)],
        env=clean_env(home),
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_operator_commands_open_the_engine_without_the_cycles_parts(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert cli(home, "status").returncode == 0  # the first command migrates the fresh ledger
    watched = ["graph.engine", *CYCLE_ONLY, *STARTUP_ONLY]
    report = _loaded_after(home, OPERATOR_COMMANDS, watched)
    assert report["codes"][:3] == [0, 0, 0], report  # status, positions, orders succeeded
    assert report["codes"][-1] == 0, report  # the halt flattened an empty account
    assert report["loaded"] == ["graph.engine"]


def test_the_probe_sees_what_a_cycle_loads(tmp_path: Path) -> None:
    """The control: a rules-only cycle loads every cycle-only module the test above forbids
    (except pandas, which nothing loads, and the OpenAI SDKs, which only an LLM cycle loads), so
    an empty answer there is not a blind probe."""
    home = tmp_path / "home"
    run = ["run", "--tickers", "AAPL", "--as-of", AS_OF, "--json"]
    report = _loaded_after(home, [run], ["graph.engine", *CYCLE_ONLY])
    assert report["codes"] == [0], report
    not_for_rules = {"pandas", "openai", "langchain_openai"}
    assert report["loaded"] == sorted(
        m for m in ["graph.engine", *CYCLE_ONLY] if m not in not_for_rules
    )
    assert CLI_TREE.is_dir()
