"""The CLI's faces as an operator and a cron job see them: widths, JSON shapes, exit codes.

Every command is a real subprocess in a clean environment and its own working directory (see
``tests.e2e.test_cli.cli``); accounts are the embedded paper broker and SQLite files.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.e2e.test_cli import AS_OF, TICKERS, cli

pytestmark = pytest.mark.e2e


def _run(home: Path, *args: str, **env: str):  # type: ignore[no-untyped-def]
    return cli(home, "run", "--tickers", TICKERS, "--as-of", AS_OF, *args, **env)


@pytest.mark.parametrize("columns", ["80", "160"])
def test_reason_codes_and_header_appear_whole_at_any_width(tmp_path: Path, columns: str) -> None:
    """A halted replay account vetoes every entry: each code must print whole, never cut."""
    assert cli(tmp_path, "halt", "--replay", AS_OF, "--yes").returncode == 0
    table = _run(tmp_path, "--thread", "w1", COLUMNS=columns)
    assert table.returncode == 0, table.stderr
    doc = json.loads(_run(tmp_path, "--thread", "w1", "--json").stdout)
    codes = {r["code"] for v in doc["verdicts"] for r in v["reasons"]}
    assert "trading_halted" in codes, "precondition: the halt vetoes the entries"
    for code in codes:
        assert re.search(rf"(?<![\w…]){code}(?![\w…])", table.stdout), (code, table.stdout)
    assert "…" not in table.stdout
    for part in ("data: offline (synthetic)", "broker: paper (local)", "LLM: rules-only"):
        assert part in table.stderr, table.stderr  # the live header
        assert part in table.stdout  # and the result view's
    assert max(len(line) for line in table.stdout.splitlines()) <= int(columns)
    assert "why:" in table.stdout and "account" in table.stdout


def test_progress_names_every_analyst_and_ticker_with_times(tmp_path: Path) -> None:
    proc = _run(tmp_path, "--thread", "p1")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(_run(tmp_path, "--thread", "p1", "--json").stdout)
    for verdict in doc["analyst_verdicts"]:
        line = f"{verdict['analyst']} × {verdict['ticker']}"
        assert re.search(rf"{re.escape(line)}\s+\d+\.\d\d s", proc.stderr), line
    assert re.search(r"risk_gate\s+\d+\.\d\d s", proc.stderr)


RUN_KEYS = {
    "thread_id", "status", "mode", "session_mode", "tickers", "signals", "research",
    "analyst_verdicts", "decisions", "verdicts", "orders", "events", "pending_approval",
    "could_not_trade", "replay", "account",
}  # fmt: skip
ACCOUNT_KEYS = {"cash", "equity", "buying_power", "positions", "open_orders", "daily_loss"}
POSITION_KEYS = {
    "symbol", "qty", "avg_entry_price", "market_price", "market_value", "unrealized_pl",
    "unrealized_pl_pct", "stop_loss", "take_profit",
}  # fmt: skip
DAILY_LOSS_KEYS = {"loss_pct", "limit_pct", "level", "baseline", "high_water_mark"}
STATUS_KEYS = {
    "status", "reason", "changed_at", "broker", "broker_error", "heartbeats", "monitor_stale",
} | ACCOUNT_KEYS  # fmt: skip


def test_json_shapes_are_complete_and_numeric(tmp_path: Path) -> None:
    run = _run(tmp_path, "--thread", "g1", "--json")
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    assert doc.keys() >= RUN_KEYS
    assert doc["could_not_trade"] == [] and doc["replay"] == "2025-03-11T150000Z"
    account = doc["account"]
    assert set(account) == ACCOUNT_KEYS and set(account["daily_loss"]) == DAILY_LOSS_KEYS
    assert account["positions"], "precondition: the replay buys something"
    assert set(account["positions"][0]) == POSITION_KEYS

    status = json.loads(cli(tmp_path, "status", "--json", "--replay", AS_OF).stdout)
    assert set(status) == STATUS_KEYS
    for number in (status["cash"], status["equity"], *status["daily_loss"].values()):
        if number is not None and not isinstance(number, str):
            assert isinstance(number, int | float)
    assert isinstance(status["daily_loss"]["loss_pct"], float)  # a number, never a sentence
    assert status["daily_loss"]["level"] == "ok"
    assert all(isinstance(p["qty"], float) for p in status["positions"])
    assert status["heartbeats"] == [] and status["monitor_stale"] is False  # no scheduler ran

    orders = json.loads(cli(tmp_path, "orders", "--json", "--replay", AS_OF).stdout)
    assert orders and {"client_order_id", "decision_id", "thread_id", "status"} <= set(orders[0])
    history = json.loads(cli(tmp_path, "history", "--json", "--replay", AS_OF).stdout)
    assert history and all(h["filled_qty"] > 0 and h["decision_id"] for h in history)
    audit = json.loads(cli(tmp_path, "audit", "--thread", "g1", "--json", "--replay", AS_OF).stdout)
    assert set(audit) == {"thread_id", "decisions", "orders", "events"} and audit["decisions"]
    assert all(isinstance(o[k], float) for o in orders for k in ("qty", "approved_qty"))
    assert {o["client_order_id"] for o in audit["orders"]} <= {o["client_order_id"] for o in orders}
    event_keys = {"thread_id", "node", "severity", "message", "ticker", "at"}
    assert audit["events"] and all(set(e) == event_keys for e in audit["events"])
    assert all(e["thread_id"] == "g1" and e["message"] for e in audit["events"])


def test_pending_threads_lists_the_supervised_run_until_approved(tmp_path: Path) -> None:
    waiting = _run(tmp_path, "--session", "supervised", "--thread", "s9", "--json")
    assert json.loads(waiting.stdout)["status"] == "awaiting_approval"
    pending = json.loads(cli(tmp_path, "threads", "--pending", "--json", "--replay", AS_OF).stdout)
    assert [t["thread_id"] for t in pending] == ["s9"]
    assert cli(tmp_path, "approve", "--thread", "s9", "--json").returncode == 0
    after = json.loads(cli(tmp_path, "threads", "--pending", "--json", "--replay", AS_OF).stdout)
    assert after == []


def test_replay_never_touches_the_real_account(tmp_path: Path) -> None:
    assert _run(tmp_path, "--thread", "r1", "--json").returncode == 0
    real = json.loads(cli(tmp_path, "status", "--json").stdout)
    replayed = json.loads(cli(tmp_path, "status", "--json", "--replay", AS_OF).stdout)
    assert real["positions"] == [] and real["cash"] == real["equity"]
    assert replayed["positions"], "the replay's own account holds what it bought"


def test_catalogues_and_config_views(tmp_path: Path) -> None:
    analysts = json.loads(cli(tmp_path, "analysts", "--json").stdout)
    assert len(analysts) == 17 and all(a["summary"] for a in analysts)
    strategies = json.loads(cli(tmp_path, "strategies", "--json").stdout)
    assert {s["name"] for s in strategies} >= {"momentum", "breakout"}
    shown = cli(tmp_path, "config", "show", "--json", APCA_API_KEY_ID="AKSECRET123",
                RISK__MAX_POSITION_PCT="0.05")  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    assert "AKSECRET123" not in shown.stdout
    entries = {e["key"]: e for e in json.loads(shown.stdout)}
    assert entries["apca_api_key_id"]["value"] == "***"
    assert entries["risk.max_position_pct"]["value"] == 0.05
    assert "RISK__MAX_POSITION_PCT" in entries["risk.max_position_pct"]["source"]
    assert cli(tmp_path, "config", "check").returncode == 0
    version = cli(tmp_path, "--version")
    assert version.returncode == 0 and version.stdout.startswith("hedgegraph ")


def test_halt_never_asks_when_not_a_terminal(tmp_path: Path) -> None:
    proc = cli(tmp_path, "halt")  # stdin is not a terminal: no prompt, no hang
    assert proc.returncode == 0, proc.stderr
    assert "HALTED" in proc.stdout


# -- exit statuses (api/exit_codes.py) ----------------------------------------------------------


def test_exit_0_success(tmp_path: Path) -> None:
    assert cli(tmp_path, "status").returncode == 0


def test_exit_1_unknown_thread(tmp_path: Path) -> None:
    proc = cli(tmp_path, "approve", "--thread", "nope")
    assert proc.returncode == 1 and "nope" in proc.stderr


@pytest.mark.parametrize(
    ("setup", "env"),
    [
        ("none", {"DATABASE_URL": "garbage://::"}),
        ("none", {"CHECKPOINT_URL": "nonsense:/x"}),
        ("none", {"DATABASE_URL": "postgresql://trader:hunter2@127.0.0.1:9/ledger"}),
        ("corrupt", {}),
        ("unwritable", {}),
    ],
    ids=[
        "garbage-database-url",
        "garbage-checkpoint-url",
        "postgres-unreachable",
        "corrupt-sqlite",
        "unwritable-home",
    ],
)
@pytest.mark.parametrize("command", [["status"], ["run", "--tickers", "AAPL"]])
def test_exit_2_startup_failures_are_a_message_not_a_traceback(
    tmp_path: Path, setup: str, env: dict[str, str], command: list[str]
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    if setup == "corrupt":
        (home / "hedgegraph.sqlite").write_bytes(b"this is not a database" * 100)
    if setup == "unwritable":  # a home below a plain file: no one (not even root) can create it
        blocker = tmp_path / "not-a-folder"
        blocker.write_text("")
        home = blocker / "home"
    proc = cli(home, *command, cwd=tmp_path / "cwd", **env)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    assert "hunter2" not in proc.stderr + proc.stdout  # a URL's password is never printed
    assert proc.stderr.strip(), "a clear message says what failed"


def test_exit_2_bad_input(tmp_path: Path) -> None:
    proc = cli(tmp_path, "run", "--session", "sometimes")
    assert proc.returncode == 2 and "--session" in proc.stderr


def test_exit_3_when_no_ticker_has_data(tmp_path: Path) -> None:
    empty = tmp_path / "csv"
    empty.mkdir()
    proc = cli(
        tmp_path / "home",
        "run", "--tickers", "AAPL,MSFT", "--as-of", AS_OF, "--json",
        DATA_PROVIDERS="csv", DATA_DIR=str(empty),
    )  # fmt: skip
    assert proc.returncode == 3, proc.stderr
    assert "no_data" in json.loads(proc.stdout)["could_not_trade"]


def test_exit_4_a_cycle_that_stops_says_how_to_resume(capsys: pytest.CaptureFixture[str]) -> None:
    """The mapping itself: a failure after the cycle started exits 4 naming the resume."""
    import typer

    from api.cli import _finish, _Stopped

    async def go():  # type: ignore[no-untyped-def]
        raise _Stopped() from RuntimeError("disk full")

    with pytest.raises(typer.Exit) as stopped:
        _finish(go, "t-42")
    assert stopped.value.exit_code == 4
    err = capsys.readouterr().err
    assert "disk full" in err and "hedgegraph run --thread t-42" in err


def test_halt_asks_on_a_terminal_and_no_keeps_trading(tmp_path: Path) -> None:
    """On a terminal ``halt`` asks first; answering no changes nothing (``--yes`` skips it)."""
    import os
    import subprocess
    import sys

    from tests.e2e.test_cli import clean_env

    primary, secondary = os.openpty()
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "halt"],
            stdin=secondary,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=clean_env(tmp_path),
            cwd=workdir,
            text=True,
        )
        os.write(primary, b"n\n")
        out, err = proc.communicate(timeout=120)
    finally:
        os.close(primary)
        os.close(secondary)
    assert "Halt trading" in out + err  # the question was asked
    assert proc.returncode == 1  # aborted
    status = json.loads(cli(tmp_path, "status", "--json").stdout)
    assert status["status"] == "active"
