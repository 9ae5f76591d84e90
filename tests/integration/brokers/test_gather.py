"""The gate snapshot gathered from a broker: Alpaca's clock, asset master and day-trade count, the
persisted risk memory; and the verdicts they lead to."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from domain import OrderIntent, OrderSide, ReasonCode, client_order_id_for
from graph.risk.gate import evaluate_intents
from graph.risk.gather import gather_gate_snapshot
from tests.fakes.alpaca_trading_server import FakeAlpaca
from tests.unit.risk.factory import limits, market
from tools.brokers.alpaca import AlpacaBroker
from tools.clock import SystemClock
from tools.persistence.sql_ledger import SqlLedger

pytestmark = pytest.mark.integration


def _intent(ticker: str) -> OrderIntent:
    return OrderIntent(
        client_order_id=client_order_id_for("g", "d", ticker),
        decision_id="d",
        thread_id="g",
        ticker=ticker,
        side=OrderSide.BUY,
        qty=Decimal(5),
        reference_price=Decimal(100),
        created_at=datetime.now(UTC),
    )


def _snapshot(alpaca: AlpacaBroker, ledger: SqlLedger, tickers: list[str]):  # type: ignore[no-untyped-def]
    return gather_gate_snapshot(
        broker=alpaca,
        ledger=ledger,
        market=market({"AAPL": 100.0, "MSFT": 100.0}),
        limits=limits(),
        clock=SystemClock(),
        tickers=tickers,
    )


def test_gathered_snapshot_reads_clock_assets_day_trades_and_memory(
    fake: FakeAlpaca, alpaca: AlpacaBroker, ledger: SqlLedger
) -> None:
    fake.daytrade_count = 2
    snap = _snapshot(alpaca, ledger, ["AAPL", "ZZZZ"])
    assert snap.market_open is True
    assert set(snap.assets) == {"AAPL"}  # ZZZZ is unknown to the broker
    assert snap.risk_state.day_trade_count == 2
    assert snap.risk_state.session_baseline_equity == Decimal("100000")
    assert snap.portfolio.account_id == fake.account_number


def test_broker_clock_closed_and_halted_asset_veto_entries(
    fake: FakeAlpaca, alpaca: AlpacaBroker, ledger: SqlLedger
) -> None:
    fake.is_open = False
    fake.assets["MSFT"] = {"status": "inactive"}
    snap = _snapshot(alpaca, ledger, ["AAPL", "MSFT"])
    aapl, msft = evaluate_intents([_intent("AAPL"), _intent("MSFT")], snap, limits())
    assert ReasonCode.MARKET_CLOSED in aapl.reason_codes
    assert ReasonCode.ASSET_NOT_TRADABLE in msft.reason_codes


def test_sectors_come_from_the_risk_parameters(alpaca: AlpacaBroker, ledger: SqlLedger) -> None:
    snap = gather_gate_snapshot(
        broker=alpaca,
        ledger=ledger,
        market=market({"AAPL": 100.0}),
        limits=limits(symbol_sectors={"AAPL": "technology"}),
        clock=SystemClock(),
    )
    assert snap.sectors == {"AAPL": "technology"}
