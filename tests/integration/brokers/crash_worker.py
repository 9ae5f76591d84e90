"""One trading step in its own process, for crash tests: the execution road (snapshot -> gate ->
record intent -> submit -> record order and decision), exactly as the execute node takes it.

``python -m tests.integration.brokers.crash_worker DIR [cycle|halt]``. Arm a boundary with
HEDGEGRAPH_FAILPOINTS (after_gate, after_record_intent, after_submit, after_record_order,
after_halt) and the process SIGKILLs itself there, as a power loss would. State lives in DIR:
the paper broker's SQLite file and the application ledger. With FAKE_ALPACA_URL set the broker is
Alpaca (the fake Trading API, running in the test process) through the real alpaca-py client.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from domain import OrderIntent, OrderSide, TradeAction, TradeDecision, client_order_id_for
from graph.checkpoints.locks import FileThreadLocks
from graph.execution import DecisionContext, ExecutionRoad, OrderRequest
from graph.monitor.emergency import emergency_stop
from tests.unit.risk.factory import limits, market
from tools.brokers.alpaca import AlpacaBroker
from tools.brokers.base import Broker
from tools.brokers.paper import PaperBroker
from tools.clock import FixedClock
from tools.failpoints import failpoint
from tools.persistence.sql_ledger import SqlLedger

T0 = datetime(2024, 3, 4, 15, 0, tzinfo=UTC)
TICKERS = ("AAPL", "MSFT")


def intents() -> list[OrderIntent]:
    return [
        OrderIntent(
            client_order_id=client_order_id_for("crash-thread", "d1", t),
            decision_id="d1",
            thread_id="crash-thread",
            ticker=t,
            side=OrderSide.BUY,
            qty=Decimal(10),
            reference_price=Decimal(100),
            created_at=T0 - timedelta(seconds=10),
        )
        for t in TICKERS
    ]


def _broker(folder: Path, clock: FixedClock) -> Broker:
    """The paper broker in DIR, or Alpaca through alpaca-py when FAKE_ALPACA_URL is set."""
    url = os.environ.get("FAKE_ALPACA_URL")
    if url:
        # Quotes on a closed loopback port: never Alpaca's real data host (hermetic), and the
        # gate sees an unreadable quote exactly as it did when that host was out of reach.
        return AlpacaBroker(
            api_key="k",
            secret_key="s",
            base_url=url,
            data_url="http://127.0.0.1:9",
            clock=clock,
            timeout_seconds=1,
        )
    return PaperBroker(
        database_url=f"sqlite:///{folder / 'paper.sqlite'}",
        starting_cash=Decimal(100_000),
        slippage_bps=0,
        price_source=lambda _t: Decimal(100),
        clock=clock,
    )


def main(folder: Path, mode: str) -> int:
    clock = FixedClock(T0)
    broker = _broker(folder, clock)
    ledger = SqlLedger.from_url(f"sqlite:///{folder / 'app.sqlite'}")
    if mode == "halt":
        emergency_stop(
            reason="operator",
            broker=broker,
            ledger=ledger,
            limits=limits(),
            clock=clock,
            locks=FileThreadLocks(folder / "locks"),
        )
        failpoint("after_halt")
        return 0
    road = ExecutionRoad(
        broker=broker,
        ledger=ledger,
        limits=limits(),
        clock=clock,
        locks=FileThreadLocks(folder / "locks"),
    )
    requests = [
        OrderRequest(
            intent=it,
            audit=DecisionContext(
                decision=TradeDecision(
                    decision_id=it.decision_id,
                    ticker=it.ticker,
                    action=TradeAction.BUY,
                    quantity=it.qty,
                    confidence=1.0,
                ),
                inputs_digest="crash-test",
            ),
        )
        for it in intents()
    ]
    outcomes = road.send(requests, market=market({t: 100.0 for t in TICKERS}))
    print(
        json.dumps(
            {
                "vetoed": [o.verdict.reason_codes for o in outcomes if not o.verdict.executable],
                "sent": [o.order.client_order_id for o in outcomes if o.order is not None],
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else "cycle"))
