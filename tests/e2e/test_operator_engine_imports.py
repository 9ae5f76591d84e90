"""Operator commands run on the one engine and never load the cycle's machinery.

Why: ``halt`` must work when the LLM, the analysts or market data are broken or slow to import,
and ``status`` must start in well under a second. A fresh interpreter (clean environment, fresh
home) runs the operator commands through the real CLI, then reports which modules it loaded:
the engine must be among them (one home for the broker and the close source), and the LLM
clients, LangChain, LangGraph, numpy/pandas, the analyst registry, the market-data factory,
alembic (the schema is current) and httpx (no webhook is configured) must not. A rules-only
cycle run the same way loads them, so the probe sees what it looks for.

``--help`` (of the CLI and of a command) loads no settings, database or engine at all, not even
asyncio; ``db current`` reads where the schema stands with SQLAlchemy core: neither alembic nor
the ORM nor the engine (``db upgrade`` on a fresh home, which does load alembic, is the control).
Membership in ``sys.modules`` after a command, never a timing, so these cannot be flaky; the
times are measured by ``python -m tests.bench.startup``.
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
STARTUP_ONLY = ("alembic", "httpx", "filelock")
"""Modules an operator command on a current schema, without webhooks, needs none of: no
migration runs, so no schema lock is taken (``tools/persistence/setup_locks.py``)."""
NEVER_AT_START = ("exchange_calendars",)
"""Only a session lookup outside the shipped table imports it (tools/market_data/sessions.py)."""
BEHIND_HELP = (
    "asyncio",
    "config.settings",
    "pydantic_settings",
    "sqlalchemy",
    "domain",
    "graph.engine",
    "graph.checkpoints.factory",
)
"""What a command loads only once it runs: ``--help`` needs none of it."""
HELP_COMMANDS = [
    ["--help"],
    ["halt", "--help"],
    ["status", "--help"],
    ["run", "--help"],
    ["db", "--help"],
    ["db", "current", "--help"],
]

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
    watched = ["graph.engine", *CYCLE_ONLY, *STARTUP_ONLY, *NEVER_AT_START]
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


def test_help_loads_no_settings_database_or_engine(tmp_path: Path) -> None:
    watched = [*BEHIND_HELP, *CYCLE_ONLY, *STARTUP_ONLY, *NEVER_AT_START]
    report = _loaded_after(tmp_path / "home", HELP_COMMANDS, watched)
    assert report["codes"] == [0] * len(HELP_COMMANDS), report
    assert report["loaded"] == []


DB_CURRENT_NEVER = (
    "alembic",
    "sqlalchemy.orm",
    "graph.engine",
    "openai",
    "langchain_openai",
    "numpy",
    "pandas",
    "agents.analysts.registry",
    "tools.llm.factory",
    "tools.market_data.factory",
    *NEVER_AT_START,
)
"""``db current`` on a current schema: the stamped revision (one query with SQLAlchemy core)
against the shipped head (read from the migration files), then the checkpointer's own check."""


def test_db_current_reads_the_revision_without_alembic_or_the_orm(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert cli(home, "status").returncode == 0  # migrates the fresh ledger
    report = _loaded_after(home, [["db", "current"]], ["sqlalchemy", *DB_CURRENT_NEVER])
    assert report["codes"] == [0], report
    assert report["loaded"] == ["sqlalchemy"]


def test_the_probe_sees_alembic_and_the_lock_when_a_migration_runs(tmp_path: Path) -> None:
    """The control: ``db upgrade`` on a fresh home migrates under the schema lock, and the probe
    sees alembic and filelock."""
    report = _loaded_after(tmp_path / "home", [["db", "upgrade"]], ["alembic", "filelock"])
    assert report["codes"] == [0], report
    assert report["loaded"] == ["alembic", "filelock"]
