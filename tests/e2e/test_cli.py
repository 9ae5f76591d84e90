"""The CLI as a user runs it: a real subprocess, real SQLite files, real SIGKILLs.

Hermetic: every subprocess runs in its own temporary working directory (so no ``.env`` is read)
with an explicit environment that carries no broker, LLM, data or trading settings of the user.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from api.replays import replay_home, replay_key
from config.settings import load_settings
from graph.assembly import build_context

TICKERS = "AAPL,MSFT,NVDA,AMZN,META,TSLA,GOOGL,JPM"
AS_OF = "2025-03-11T15:00:00"  # a session where the synthetic market yields an approved entry
REPO = Path(__file__).resolve().parents[2]
CLI_TREE = Path(os.environ.get("HG_CLI_TREE", str(REPO)))
"""The tree whose CLI the subprocesses run: this checkout, or (to watch these tests fail on an
older revision) a ``git archive`` export of it named by HG_CLI_TREE."""
_PASSTHROUGH = ("PATH", "LANG", "SYSTEMROOT", "TMPDIR")
_STRIPPED_PREFIXES = (
    "APCA_",
    "OPENAI_",
    "OLLAMA_",
    "FINANCIAL_DATASETS_",
    "HEDGEGRAPH_",
    "RISK__",
    "THRESHOLDS__",
    "LLM_",
    "DATA_",
    "BROKER",
    "TRADING_",
    "DATABASE_URL",
    "CHECKPOINT_URL",
    "REDIS_URL",
)


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """Only PATH and locale from the parent; never a trading, broker, LLM or data setting."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k in _PASSTHROUGH and not k.upper().startswith(_STRIPPED_PREFIXES)
    }
    env.update(
        HOME=str(home),
        HEDGEGRAPH_HOME=str(home),
        PYTHONPATH=str(CLI_TREE),
        COLUMNS=extra.pop("COLUMNS", "100"),
    )
    env.update(extra)
    return env


def cli(
    home: Path, *args: str, cwd: Path | None = None, **extra: str
) -> subprocess.CompletedProcess[str]:
    """``hedgegraph ARGS`` in a fresh working directory under ``home`` (no .env can be read)."""
    workdir = cwd or home.parent / f"{home.name}-cwd"
    workdir.mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        env=clean_env(home, **extra),
        capture_output=True,
        text=True,
        timeout=180,
        cwd=workdir,
    )


def _cli(home: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    if args and args[0] in ("run", "approve") and "--help" not in args and "--as-of" not in args:
        args = (*args, "--as-of", AS_OF)
    return cli(home, *args, **extra)


def replay_account(home: Path) -> Path:
    """Where the replays at AS_OF keep their paper account and ledger."""
    return replay_home(home, replay_key(datetime.fromisoformat(AS_OF)))


def _json(proc: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def _start_supervised(home: Path, thread: str) -> dict[str, Any]:
    """Start a supervised cycle that stops at the approval; returns its JSON document."""
    return _json(
        _cli(
            home,
            "run",
            "--tickers",
            TICKERS,
            "--session",
            "supervised",
            "--json",
            "--thread",
            thread,
        )
    )


def _broker_order_count(
    home: Path, client_order_ids: list[str], monkeypatch: pytest.MonkeyPatch
) -> int:
    """Ask the replay's paper broker itself (its own SQLite file) which orders it holds."""
    monkeypatch.chdir(home)
    context = build_context(load_settings(hedgegraph_home=replay_account(home)))
    return sum(context.broker.get_order_by_client_id(c) is not None for c in client_order_ids)


def test_run_json_reports_thread_decisions_verdicts_orders(tmp_path: Path) -> None:
    doc = _json(_cli(tmp_path, "run", "--tickers", TICKERS, "--json", "--thread", "j1"))
    assert doc["thread_id"] == "j1"
    assert {"decisions", "verdicts", "orders"} <= doc.keys()
    assert doc["status"] == "completed"
    approved = {v["intent"]["client_order_id"] for v in doc["verdicts"] if v["outcome"] != "vetoed"}
    assert {o["client_order_id"] for o in doc["orders"]} == approved


def test_table_output_names_every_ticker(tmp_path: Path) -> None:
    proc = _cli(tmp_path, "run", "--tickers", "AAPL,MSFT,NVDA")
    assert proc.returncode == 0, proc.stderr
    for ticker in ("AAPL", "MSFT", "NVDA"):
        assert ticker in proc.stdout
    assert "risk_gate" in proc.stderr  # progress display lists finished nodes


@pytest.mark.parametrize("failpoint", ["before_execute", "after_execute"])
def test_kill_around_execute_then_rerun_places_each_order_once(
    tmp_path: Path, failpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    crashed = _cli(
        tmp_path,
        "run",
        "--tickers",
        TICKERS,
        "--json",
        "--thread",
        "k1",
        HEDGEGRAPH_FAILPOINTS=failpoint,
    )
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr

    resumed = _json(_cli(tmp_path, "run", "--json", "--thread", "k1"))
    approved = [
        v["intent"]["client_order_id"] for v in resumed["verdicts"] if v["outcome"] != "vetoed"
    ]
    assert approved, f"precondition: the cycle should approve at least one order: {resumed}"
    assert sorted(o["client_order_id"] for o in resumed["orders"]) == sorted(approved)

    again = _json(_cli(tmp_path, "run", "--json", "--thread", "k1"))
    assert again["orders"] == resumed["orders"]
    assert _broker_order_count(tmp_path, approved, monkeypatch) == len(approved)
    fills = {o["client_order_id"]: o["filled_qty"] for o in again["orders"]}
    assert all(float(q) > 0 for q in fills.values())


def test_supervised_run_stops_then_approve_resumes(tmp_path: Path) -> None:
    waiting = _start_supervised(tmp_path, "s1")
    assert waiting["status"] == "awaiting_approval"
    assert waiting["orders"] == [] and waiting["pending_approval"]
    done = _json(_cli(tmp_path, "approve", "--thread", "s1", "--json"))
    assert done["status"] == "completed"
    assert {o["client_order_id"] for o in done["orders"]} == {
        v["intent"]["client_order_id"] for v in waiting["pending_approval"]
    }


def test_reject_via_cli(tmp_path: Path) -> None:
    _start_supervised(tmp_path, "s2")
    done = _json(_cli(tmp_path, "approve", "--thread", "s2", "--reject", "--note", "no", "--json"))
    assert done["orders"] == []
    assert all(v["outcome"] == "vetoed" for v in done["verdicts"])


def test_approve_unknown_thread_is_a_clear_error(tmp_path: Path) -> None:
    proc = _cli(tmp_path, "approve", "--thread", "nope")
    assert proc.returncode == 1
    assert "nope" in proc.stderr


@pytest.mark.parametrize(
    ("env", "value", "key"),
    [
        ("RISK__MAX_POSITION_PCT", "5", "risk.max_position_pct"),
        ("TRADING_MODE", "LIVE!", "trading_mode"),
    ],
)
def test_malformed_config_exits_2_naming_the_key(
    tmp_path: Path, env: str, value: str, key: str
) -> None:
    proc = _cli(tmp_path, "run", "--tickers", "AAPL", **{env: value})
    assert proc.returncode == 2
    assert key in proc.stderr
    assert not (tmp_path / "paper_broker.sqlite").exists()  # nothing touched the broker


@pytest.mark.parametrize("command", [[], ["run"], ["approve"]])
def test_help_on_every_command(tmp_path: Path, command: list[str]) -> None:
    proc = _cli(tmp_path, *command, "--help")
    assert proc.returncode == 0
    assert "Usage" in proc.stdout


def test_approval_after_the_decision_expired_is_vetoed_by_the_gate(tmp_path: Path) -> None:
    waiting = _start_supervised(tmp_path, "s3")
    assert waiting["pending_approval"]
    # approve a day later: the decision's time to live has long passed
    late = _cli(tmp_path, "approve", "--thread", "s3", "--json", "--as-of", "2025-03-12T15:00:00")
    assert late.returncode == 3, late.stderr  # ran, but could not trade
    done = json.loads(late.stdout)
    assert "decision_expired" in done["could_not_trade"]
    assert done["orders"] == []
    codes = {r["code"] for v in done["verdicts"] for r in v["reasons"]}
    assert "decision_expired" in codes


def test_as_of_is_refused_for_a_real_broker(tmp_path: Path) -> None:
    proc = _cli(
        tmp_path,
        "run",
        "--tickers",
        "AAPL",
        BROKER="alpaca",
        APCA_API_KEY_ID="k",
        APCA_API_SECRET_KEY="s",
    )
    assert proc.returncode == 2
    assert "--as-of" in proc.stderr


def test_halt_from_the_cli_survives_into_the_next_run(tmp_path: Path) -> None:
    halted = _cli(tmp_path, "halt", "--reason", "operator drill", "--json", "--replay", AS_OF)
    assert halted.returncode == 0, halted.stderr
    status = _cli(tmp_path, "status", "--json", "--replay", AS_OF)
    assert json.loads(status.stdout)["status"] == "halted"
    doc = _json(_cli(tmp_path, "run", "--tickers", TICKERS, "--json", "--thread", "h1"))
    entries = [v for v in doc["verdicts"] if not v["intent"]["reduces_position"]]
    assert entries, "precondition: the cycle proposes at least one entry"
    assert doc["orders"] == []
    for verdict in entries:
        assert verdict["outcome"] == "vetoed"
        assert "trading_halted" in {r["code"] for r in verdict["reasons"]}


def test_full_roster_on_request_and_unknown_analyst_refused(tmp_path: Path) -> None:
    doc = _json(_cli(tmp_path, "run", "--tickers", "AAPL,TSLA", "--analysts", "all", "--json"))
    names = {v["analyst"] for v in doc["analyst_verdicts"]}
    assert len(names) == 17 and {"warren_buffett", "technicals"} <= names
    assert all(v["source"] == "rules" for v in doc["analyst_verdicts"])  # no LLM configured
    bad = _cli(tmp_path, "run", "--tickers", "AAPL", "--analysts", "nobody")
    assert bad.returncode == 2
    assert "analysts" in bad.stderr and "nobody" in bad.stderr


def test_a_broker_position_the_ledger_cannot_explain_halts_trading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A trade placed at the broker behind hedgegraph's back: start-up reconciliation halts."""
    from datetime import UTC, datetime
    from decimal import Decimal

    from domain import OrderIntent, OrderSide

    monkeypatch.chdir(tmp_path)
    context = build_context(load_settings(hedgegraph_home=replay_account(tmp_path)))
    stranger = OrderIntent(
        client_order_id="manual-1",
        decision_id="manual",
        thread_id="manual",
        ticker="AAPL",
        side=OrderSide.BUY,
        qty=Decimal(3),
        reference_price=Decimal(100),
        created_at=datetime(2025, 3, 11, 15, tzinfo=UTC),
    )
    context.broker.submit_order(stranger, Decimal(3))  # the broker only; the ledger never hears

    proc = _cli(tmp_path, "run", "--tickers", TICKERS, "--json", "--thread", "r1")
    doc = _json(proc)
    assert "reconciliation found differences" in proc.stderr
    assert "AAPL" in proc.stderr
    assert doc["orders"] == [] or all(
        v["intent"]["reduces_position"] for v in doc["verdicts"] if v["outcome"] != "vetoed"
    )
    status = json.loads(_cli(tmp_path, "status", "--json", "--replay", AS_OF).stdout)
    assert status["status"] == "halted"
