"""The road sizes entries at the broker's current quote and sets protective levels from it (9.7).

Real paper broker (its quote is the simulated market's price) and the real SQL ledger.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from domain import GateOutcome, ReasonCode, TradeAction, TradeDecision
from graph.execution import DecisionContext, ExecutionRoad, OrderRequest
from tests.unit.risk.factory import NOW, intent, limits, market
from tools.brokers.paper import PaperBroker
from tools.clock import FixedClock
from tools.persistence.sql_ledger import SqlLedger


class Board:
    def __init__(self) -> None:
        self.prices = {"AAPL": Decimal("100")}

    def __call__(self, ticker: str) -> Decimal:
        return self.prices[ticker]


@pytest.fixture
def parts(tmp_path: Path) -> Iterator[tuple[ExecutionRoad, PaperBroker, SqlLedger, Board]]:
    board, clock = Board(), FixedClock(NOW)
    broker = PaperBroker(
        database_url=f"sqlite:///{tmp_path / 'paper.sqlite'}",
        starting_cash=Decimal("100000"),
        slippage_bps=0,
        price_source=board,
        clock=clock,
    )
    ledger = SqlLedger.from_url(f"sqlite:///{tmp_path / 'app.sqlite'}")
    road = ExecutionRoad(broker=broker, ledger=ledger, limits=limits(), clock=clock)
    yield road, broker, ledger, board
    ledger.close()


def _request(qty: str) -> OrderRequest:
    it = intent(qty=qty, stop_loss=Decimal("95"), take_profit=Decimal("110"))
    decision = TradeDecision(
        decision_id=it.decision_id,
        ticker="AAPL",
        action=TradeAction.BUY,
        quantity=it.qty,
        confidence=0.5,
    )
    return OrderRequest(intent=it, audit=DecisionContext(decision=decision, inputs_digest="t"))


def test_an_entry_is_sized_at_the_quote_and_its_levels_follow_it(parts) -> None:  # type: ignore[no-untyped-def]
    road, broker, ledger, board = parts
    board.prices["AAPL"] = Decimal("104")  # the market moved 4 % since the decision's close
    (outcome,) = road.send([_request("150")], market=market({"AAPL": 100.0}))
    assert outcome.verdict.outcome is GateOutcome.RESIZED
    assert outcome.verdict.approved_qty == Decimal(96)  # 10 % of 100k at 104, not at 100
    assert outcome.order is not None and outcome.order.qty == Decimal(96)
    sent = ledger.intent(outcome.intent.client_order_id)
    assert sent is not None
    assert (sent.stop_loss, sent.take_profit) == (Decimal("98.80"), Decimal("114.40"))
    assert broker.portfolio().positions["AAPL"].avg_entry_price == Decimal("104")


def test_an_entry_whose_quote_left_the_sanity_band_is_refused(parts) -> None:  # type: ignore[no-untyped-def]
    road, broker, ledger, board = parts
    board.prices["AAPL"] = Decimal("120")  # 20 % away from the decision's price (band 5 %)
    (outcome,) = road.send([_request("10")], market=market({"AAPL": 100.0}))
    assert outcome.order is None
    assert ReasonCode.PRICE_SANITY in outcome.verdict.reason_codes
    assert broker.all_orders() == []
    assert ledger.intent(outcome.intent.client_order_id) is None
