"""The operator commands end to end on the embedded stack (paper broker, SQLite ledger)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from api.trading_commands import app, register
from config.settings import load_settings
from domain import OrderIntent, OrderSide, client_order_id_for
from graph.assembly import build_context
from graph.execution.exactly_once import submit_exactly_once

pytestmark = pytest.mark.integration
runner = CliRunner()


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HEDGEGRAPH_HOME", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("BROKER", raising=False)
    return tmp_path


def _call(*args: str) -> tuple[int, dict]:
    result = runner.invoke(app, [*args, "--json"])
    return result.exit_code, json.loads(result.stdout) if result.stdout.strip() else {}


def _buy(ticker: str, qty: int) -> None:
    ctx = build_context(load_settings())
    now = ctx.clock.now()
    it = OrderIntent(
        client_order_id=client_order_id_for("cli-test", "d1", ticker),
        decision_id="d1",
        thread_id="cli-test",
        ticker=ticker,
        side=OrderSide.BUY,
        qty=Decimal(qty),
        reference_price=Decimal(100),
        created_at=now,
    )
    submit_exactly_once(it, it.qty, broker=ctx.broker, ledger=ctx.ledger)


def test_halt_status_resume_cycle() -> None:
    code, out = _call("status")
    assert code == 0 and out["status"] == "active"
    _buy("AAPL", 3)
    code, out = _call("status")
    assert {p["symbol"]: p["qty"] for p in out["positions"]} == {"AAPL": 3}

    code, out = _call("halt", "--reason", "test drill")
    assert code == 0, out
    assert out["status"] == "halted" and out["already_halted"] is False
    assert [e["symbol"] for e in out["exits"]] == ["AAPL"]

    code, out = _call("halt")
    assert code == 0 and out["already_halted"] is True and out["exits"] == []

    code, out = _call("status")
    assert out["status"] == "halted" and out["reason"] == "test drill"
    assert out["positions"] == []

    code, out = _call("resume-trading", "--yes")
    assert code == 0
    assert out == {"status": "active", "changed": True, "settled": [], "differences": []}


def test_resume_refuses_while_the_books_disagree() -> None:
    ctx = build_context(load_settings())
    it = OrderIntent(
        client_order_id="manual-1",
        decision_id="manual",
        thread_id="manual",
        ticker="MSFT",
        side=OrderSide.BUY,
        qty=Decimal(2),
        reference_price=Decimal(100),
        created_at=ctx.clock.now(),
    )
    ctx.broker.submit_order(it, Decimal(2))  # placed behind the ledger's back
    _call("halt")
    ctx.broker.submit_order(it.model_copy(update={"client_order_id": "manual-2"}), Decimal(2))
    code, out = _call("resume-trading", "--yes")
    assert code == 1
    assert out["status"] == "halted"
    assert any("MSFT" in d for d in out["differences"])

    assert runner.invoke(app, ["adopt-broker-book", "--reason", "x"]).exit_code == 2, "needs --yes"
    code, out = _call("adopt-broker-book", "--yes", "--reason", "the MSFT buys were mine")
    assert code == 0 and out["changed"] is True
    assert [(p["symbol"], p["broker_qty"]) for p in out["positions"]] == [("MSFT", "2")]
    code, out = _call("resume-trading", "--yes")
    assert code == 0 and out["status"] == "active", out


def test_bad_configuration_exits_2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRADING_MODE", "sideways")
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 2


def test_register_mounts_the_commands_at_top_level() -> None:
    cli = typer.Typer()
    register(cli)
    assert {c.name for c in cli.registered_commands} == {
        "halt",
        "status",
        "resume-trading",
        "reduce-only",
        "monitor-once",
        "adopt-broker-book",
    }


def test_reduce_only_then_resume() -> None:
    code, out = _call("reduce-only", "--reason", "earnings week")
    assert code == 0 and out["status"] == "reducing"
    assert _call("status")[1]["status"] == "reducing"
    code, out = _call("resume-trading", "--yes")
    assert code == 0 and out["status"] == "active" and out["changed"] is True
