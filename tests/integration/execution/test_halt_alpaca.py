"""The emergency stop against an Alpaca-compatible endpoint (the real alpaca-py client and the
project's fake with its fault knobs), at the level the defects were found: graph cycles on threads,
then ``halt`` and ``resume`` as the operator commands run them.

9.1: a second halt with the same size on the same day closes the new position; an exit the broker
accepted and later cancelled is tried again. 9.6: a working entry the broker's list does not show
is found by client id and cancelled. 9.10: an order that is not placed raises an alert. 9.9: an
entry in a ticker the broker's asset master does not know is vetoed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from config.settings import packaged_settings
from domain import (
    OrderIntent,
    OrderSide,
    OrderStatus,
    OrderType,
    ReasonCode,
    TradingStatus,
    client_order_id_for,
)
from graph.assembly import build_context
from graph.checkpoints.factory import aopen_checkpointer
from graph.checkpoints.locks import thread_locks_from_settings
from graph.context import TradingContext
from graph.monitor import operator
from graph.monitor.emergency import EMERGENCY_THREAD
from graph.runner import CycleResult, arun_cycle
from tests.fakes.alpaca_trading_server import FakeAlpaca, serve_fake_alpaca
from tests.integration.execution.stack import AS_OF, LOOSE
from tools.alerts.dispatcher import AlertDispatcher
from tools.alerts.model import Alert
from tools.clock import FixedClock
from tools.persistence.sql_ledger import SqlLedger

pytestmark = pytest.mark.integration


class Inbox:
    name = "inbox"

    def __init__(self) -> None:
        self.alerts: list[Alert] = []

    def deliver(self, alert: Alert) -> None:
        self.alerts.append(alert)


@pytest.fixture
def fake() -> FakeAlpaca:
    return FakeAlpaca(prices={"TSLA": Decimal("337.5"), "AAPL": Decimal("250.43")})


@pytest.fixture
def context(
    fake: FakeAlpaca, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TradingContext]:
    monkeypatch.chdir(tmp_path)
    with serve_fake_alpaca(fake) as url:
        settings = packaged_settings(
            hedgegraph_home=tmp_path / "home",
            broker="alpaca",
            apca_api_base_url=url,
            apca_api_data_url=url,
            apca_api_key_id="test-key",
            apca_api_secret_key="test-secret",
            data_providers=["offline"],
            llm_provider="none",
            thresholds=LOOSE,
            risk={"symbol_cooldown_seconds": 0},
        )
        clock = FixedClock(AS_OF)
        ctx = build_context(settings, clock=clock)
        yield replace(ctx, alerts=AlertDispatcher([Inbox()], clock=clock))


def _inbox(context: TradingContext) -> Inbox:
    assert context.alerts is not None
    (sink,) = context.alerts._sinks
    assert isinstance(sink, Inbox)
    return sink


async def _buy(context: TradingContext, thread: str) -> CycleResult:
    async with aopen_checkpointer(context.settings.effective_checkpoint_url) as saver:
        return await arun_cycle(
            context,
            saver,
            thread_id=thread,
            tickers=["TSLA"],
            mode="signal",
            session_mode="autonomous",
        )


def _halt(context: TradingContext) -> operator.HaltResult:
    ledger = context.ledger
    assert isinstance(ledger, SqlLedger)
    return operator.halt(
        reason="operator halt",
        broker=context.broker,
        ledger=ledger,
        limits=context.settings.risk,
        clock=context.clock,
        alerts=context.alerts,
        locks=thread_locks_from_settings(context.settings),
    )


def _resume(context: TradingContext) -> None:
    ledger = context.ledger
    assert isinstance(ledger, SqlLedger)
    result = operator.resume(
        reason="operator", broker=context.broker, ledger=ledger, clock=context.clock
    )
    assert result.status is TradingStatus.ACTIVE, result.differences


async def test_a_second_halt_after_the_same_buy_on_the_same_day_is_flat(
    context: TradingContext, fake: FakeAlpaca
) -> None:
    first = await _buy(context, "a")
    assert first.orders, "precondition: the cycle buys TSLA"
    assert _halt(context).flat
    assert fake.positions.get("TSLA", {}).get("qty", Decimal(0)) == 0
    _resume(context)
    second = await _buy(context, "b")
    assert [o.qty for o in second.orders] == [o.qty for o in first.orders]  # the same size
    result = _halt(context)
    assert result.status is TradingStatus.HALTED
    assert result.flat, result
    assert fake.positions.get("TSLA", {}).get("qty", Decimal(0)) == 0
    assert [o for o in fake.orders.values() if o["status"] in ("new", "accepted")] == []


async def test_an_exit_the_broker_accepted_then_cancelled_is_sent_again(
    context: TradingContext, fake: FakeAlpaca
) -> None:
    await _buy(context, "a")
    fake.faults.append("rest")  # the halt's exit is accepted but does not fill ...
    first = _halt(context)
    (exit_order,) = [
        o for o in fake.orders.values() if o["side"] == "sell" and o["status"] == "accepted"
    ]
    exit_order["status"] = "canceled"  # ... and the broker cancels it later
    second = _halt(context)
    assert second.flat, second
    assert fake.positions.get("TSLA", {}).get("qty", Decimal(0)) == 0
    ledger = context.ledger
    assert isinstance(ledger, SqlLedger)
    attempts = ledger.intents_for_thread(EMERGENCY_THREAD)
    assert len({i.client_order_id for i in attempts}) == 2, first
    for intent in attempts:  # each attempt's order has its decision record
        linked = [
            d
            for d in ledger.decisions_for_thread(EMERGENCY_THREAD)
            if intent.client_order_id in d.order_client_ids
        ]
        assert len(linked) == 1


async def test_halt_cancels_a_working_entry_the_broker_list_does_not_show(
    context: TradingContext, fake: FakeAlpaca
) -> None:
    fake.is_open = False  # the entry rests (not marketable while closed) ...
    context = _any_hours(context)
    fake.faults.append("hidden")  # ... and the open-order list lags behind it
    result = await _buy(context, "a")
    (entry,) = result.orders
    assert entry.status is not OrderStatus.FILLED
    halted = _halt(context)
    assert entry.client_order_id in halted.cancelled
    remote = fake.by_client_id(entry.client_order_id)
    assert remote is not None and remote["status"] == "canceled"


async def test_an_order_not_placed_raises_an_alert_and_an_event(
    context: TradingContext, fake: FakeAlpaca
) -> None:
    fake.faults.append("reject")
    result = await _buy(context, "a")
    assert result.orders == []
    assert any("order not placed" in e.message for e in result.events), result.events
    titles = [a.title for a in _inbox(context).alerts]
    assert "order not placed" in titles


def _any_hours(context: TradingContext) -> TradingContext:
    risk = context.settings.risk.model_copy(update={"market_hours_policy": "any"})
    return replace(context, settings=context.settings.model_copy(update={"risk": risk}))


async def test_an_entry_in_a_ticker_the_asset_master_does_not_know_is_vetoed(
    context: TradingContext, fake: FakeAlpaca
) -> None:
    """9.9: the broker answers 404 for the asset: unknown means not tradable (fail closed)."""
    del fake.prices["AAPL"]
    async with aopen_checkpointer(context.settings.effective_checkpoint_url) as saver:
        result = await arun_cycle(
            context,
            saver,
            thread_id="t-unknown",
            tickers=["AAPL"],
            mode="signal",
            session_mode="autonomous",
        )
    entries = [v for v in result.verdicts if not v.intent.reduces_position]
    assert entries, "precondition: the portfolio manager wanted AAPL"
    assert all(v.reason_codes == (ReasonCode.ASSET_UNKNOWN,) for v in entries), entries
    assert result.orders == [] and not [o for o in fake.orders.values() if o["symbol"] == "AAPL"]


async def test_halt_cancels_an_entry_whose_submission_never_settled(
    context: TradingContext, fake: FakeAlpaca
) -> None:
    """9.5: an intent with no settled order is in flight; halt looks it up and cancels it.

    The state a run leaves when its submission's answer was lost and could not be resolved (or
    it died between submitting and recording): the intent is persisted, the broker works the
    order, the ledger has no order for it, and the broker's open-order list does not show it.
    """
    fake.is_open = False  # the entry rests at the broker
    entry = OrderIntent(
        client_order_id=client_order_id_for("a", "a:TSLA", "TSLA"),
        decision_id="a:TSLA",
        thread_id="a",
        ticker="TSLA",
        side=OrderSide.BUY,
        qty=Decimal(5),
        order_type=OrderType.LIMIT,
        limit_price=Decimal("300"),
        reference_price=Decimal("337.5"),
        created_at=AS_OF,
    )
    context.ledger.record_intent(entry, "5")
    remote = context.broker.submit_order(entry, entry.qty)
    fake.hidden.add(remote.broker_order_id)
    halted = _halt(context)
    assert entry.client_order_id in halted.cancelled
    found = fake.by_client_id(entry.client_order_id)
    assert found is not None and found["status"] == "canceled"


async def test_a_halt_whose_exits_the_broker_keeps_refusing_is_not_flat(
    context: TradingContext, fake: FakeAlpaca
) -> None:
    """An exit that is dead on arrival every time must leave the halt reporting "not flat"."""
    await _buy(context, "a")
    held = fake.positions.get("TSLA", {}).get("qty", Decimal(0))
    assert held > 0, "precondition: the cycle bought TSLA"
    fake.faults.extend(["reject"] * 20)  # every exit the halt sends is refused
    refused = _halt(context)
    assert not refused.flat, refused
    assert refused.errors or any(e.get("error") for e in refused.exits), refused
    assert fake.positions.get("TSLA", {}).get("qty", Decimal(0)) == held
    fake.faults.clear()  # the broker recovers: the next halt flattens
    again = _halt(context)
    assert again.flat, again
    assert fake.positions.get("TSLA", {}).get("qty", Decimal(0)) == 0
