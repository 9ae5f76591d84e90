"""Cycle-level tests of the one execution road: graph runs, not unit calls (9.14, issue 10).

One cycle sees a resized entry, vetoed entries beside it, and a portfolio-manager exit reaching
``execute``; every order it sends leaves a decision-audit row linked to it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from domain import GateOutcome, OrderIntent, OrderSide, ReasonCode, client_order_id_for
from graph.assembly import build_context
from graph.checkpoints.factory import aopen_checkpointer
from graph.context import TradingContext
from graph.execution.exactly_once import submit_exactly_once
from graph.runner import CycleResult, arun_cycle
from tests.integration.execution.stack import AS_OF, TICKERS, stack_settings
from tools.brokers.paper import PaperBroker
from tools.clock import FixedClock
from tools.persistence.sql_ledger import SqlLedger

pytestmark = pytest.mark.integration


@pytest.fixture
def context(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TradingContext]:
    """AAPL and TSLA share a "tech" sector capped at 1 % of equity (AAPL is resized into it and
    TSLA, after it, vetoed), and the account already holds 5 META (the portfolio manager sells)."""
    monkeypatch.chdir(tmp_path)
    settings = stack_settings(
        tmp_path / "home",
        symbol_sectors={"AAPL": "tech", "TSLA": "tech"},
        max_sector_pct=0.01,
    )
    ctx = build_context(settings, clock=FixedClock(AS_OF))
    held = OrderIntent(
        client_order_id=client_order_id_for("seed", "seed", "META"),
        decision_id="seed",
        thread_id="seed",
        ticker="META",
        side=OrderSide.BUY,
        qty=Decimal(5),
        reference_price=Decimal(460),
        created_at=AS_OF - timedelta(days=1),
    )
    submit_exactly_once(held, held.qty, broker=ctx.broker, ledger=ctx.ledger)
    yield ctx


async def _cycle(context: TradingContext, thread: str) -> CycleResult:
    async with aopen_checkpointer(context.settings.effective_checkpoint_url) as saver:
        return await arun_cycle(
            context,
            saver,
            thread_id=thread,
            tickers=TICKERS,
            mode="signal",
            session_mode="autonomous",
        )


async def test_a_cycle_sends_exactly_the_gates_quantities_and_nothing_it_vetoed(
    context: TradingContext,
) -> None:
    result = await _cycle(context, "t-mixed")
    broker = context.broker
    resized = [v for v in result.verdicts if v.outcome is GateOutcome.RESIZED]
    vetoed = [v for v in result.verdicts if v.outcome is GateOutcome.VETOED]
    exits = [v for v in result.verdicts if v.intent.reduces_position and v.executable]
    assert resized and vetoed and exits, result.verdicts  # precondition: the mix is there
    for verdict in resized:  # (a) the approved quantity is sent, not the requested one
        assert ReasonCode.SECTOR_CAP in verdict.reason_codes
        order = broker.get_order_by_client_id(verdict.intent.client_order_id)
        assert order is not None
        assert order.qty == verdict.approved_qty < verdict.intent.qty
    ledger = context.ledger
    assert isinstance(ledger, SqlLedger)
    for verdict in vetoed:  # (b) a veto beside an approval sends nothing, persists nothing
        assert broker.get_order_by_client_id(verdict.intent.client_order_id) is None
        assert ledger.intent(verdict.intent.client_order_id) is None
    for verdict in exits:  # an exit reaches execute and closes the position
        order = broker.get_order_by_client_id(verdict.intent.client_order_id)
        assert order is not None and order.filled_qty == verdict.approved_qty
    assert "META" not in broker.portfolio().positions
    sent = {v.intent.client_order_id for v in result.verdicts if v.executable}
    assert {o.client_order_id for o in result.orders} == sent
    assert isinstance(broker, PaperBroker)
    assert {o.client_order_id for o in broker.all_orders()} == sent | {
        client_order_id_for("seed", "seed", "META")
    }


async def test_every_order_of_a_cycle_has_a_decision_record_linked_to_it(
    context: TradingContext,
) -> None:
    """Issue 10: an entry (and an exit) from a cycle leave their audit row, linked by client id."""
    result = await _cycle(context, "t-audit")
    assert result.orders
    ledger = context.ledger
    assert isinstance(ledger, SqlLedger)
    rows = ledger.decisions_for_thread("t-audit")
    for order in result.orders:
        linked = [r for r in rows if order.client_order_id in r.order_client_ids]
        assert len(linked) == 1, order
        verdict = next(
            v for v in result.verdicts if v.intent.client_order_id == order.client_order_id
        )
        assert linked[0].gate_outcome == verdict.outcome.value
        assert linked[0].ticker == order.ticker
    unsent = {v.intent.decision_id for v in result.verdicts if not v.executable}
    assert all(not r.order_client_ids for r in rows if r.decision_id in unsent)
