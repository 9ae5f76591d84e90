"""Issue 9.8: the emergency stop flattens at the broker even when the ledger cannot be read.

A real CLI subprocess buys on a replay account, the account's ledger file is then overwritten with
garbage, and ``halt`` must still cancel and sell at the (real, SQLite-backed) paper broker, say that
the books are not in order (exit status 1, never 0), and not sell twice when it is run again.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from tests.e2e.test_cli import AS_OF, TICKERS, _cli, _json, replay_account
from tools.brokers.paper import PaperBroker
from tools.clock import FixedClock


def _positions(account: Path) -> dict[str, Decimal]:
    broker = PaperBroker(
        database_url=f"sqlite:///{account / 'paper_broker.sqlite'}",
        starting_cash=Decimal(100_000),
        slippage_bps=0.0,
        price_source=lambda _ticker: Decimal(100),
        clock=FixedClock(datetime.fromisoformat(AS_OF).replace(tzinfo=UTC)),
    )
    return {s: p.qty for s, p in broker.portfolio().positions.items() if p.qty != 0}


def test_halt_flattens_at_the_broker_when_the_ledger_is_corrupt(tmp_path: Path) -> None:
    doc = _json(_cli(tmp_path, "run", "--tickers", TICKERS, "--json", "--thread", "t1"))
    assert doc["orders"], "precondition: the replayed cycle buys something"
    account = replay_account(tmp_path)
    assert _positions(account), "precondition: the paper account holds a position"
    ledger = account / "hedgegraph.sqlite"
    assert ledger.is_file()
    ledger.write_bytes(b"this is not a database" * 100)

    halted = _cli(tmp_path, "halt", "--yes", "--json", "--replay", AS_OF)
    assert halted.returncode == 1, halted.stderr  # flat, but the books are not in order
    report = json.loads(halted.stdout)
    assert report["flat"] is True
    assert report["ledger_problem"]
    assert report["exits"] and all(e["order"] for e in report["exits"])
    assert _positions(account) == {}

    again = _cli(tmp_path, "halt", "--yes", "--json", "--replay", AS_OF)
    assert again.returncode == 1, again.stderr
    assert json.loads(again.stdout)["exits"] == []  # flat already: nothing sent twice
    assert _positions(account) == {}

    text = _cli(tmp_path, "halt", "--yes", "--replay", AS_OF)
    assert "WITHOUT ledger records" in text.stderr
