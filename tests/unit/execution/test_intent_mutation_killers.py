"""Order intents, exit attempts and in-flight lookups the execution mutation run found unpinned.

Issue 9 (tests/mutation/README.md). Why these matter: the client order id is the exactly-once key,
so two orders that must be different (two threads, an entry and an exit of one decision) must never
share one; an entry carries its protective levels and an exit never does; a protective stop rests
GTC and a market exit lives for the day; the exit's decision record says what crossed and which
rule sold; and ``halt`` finds every working order the broker's list left out, whatever else the
ledger holds. Real parts: the SQL ledger and the paper broker on SQLite.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from domain import (
    ExitReason,
    ExitSignal,
    Order,
    OrderIntent,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
    TradeAction,
    TradeDecision,
)
from graph.execution.exits import exit_attempt, exit_decision
from graph.execution.in_flight import working_by_client_id
from graph.execution.intents import decision_intent, exit_intent
from tests.unit.risk.factory import NOW
from tools.brokers.base import BrokerError
from tools.brokers.paper import PaperBroker
from tools.clock import FixedClock
from tools.persistence.sql_ledger import SqlLedger


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[SqlLedger]:
    book = SqlLedger.from_url(f"sqlite:///{tmp_path / 'app.sqlite'}")
    yield book
    book.close()


def _decision(
    action: TradeAction,
    qty: str = "5",
    *,
    decision_id: str = "d1",
    ticker: str = "AAPL",
    stop_loss: Decimal | None = None,
    take_profit: Decimal | None = None,
) -> TradeDecision:
    return TradeDecision(
        decision_id=decision_id,
        ticker=ticker,
        action=action,
        quantity=Decimal(qty),
        confidence=0.5,
        stop_loss=stop_loss,
        take_profit=take_profit,
    )


def _intent(decision: TradeDecision, thread: str = "t1") -> OrderIntent | None:
    return decision_intent(decision, thread_id=thread, reference_price=Decimal(100), now=NOW)


# -- decision intents ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "qty"), [(TradeAction.HOLD, "5"), (TradeAction.BUY, "0"), (TradeAction.SELL, "0")]
)
def test_a_hold_or_a_zero_quantity_is_no_order(action: TradeAction, qty: str) -> None:
    assert _intent(_decision(action, qty)) is None


@pytest.mark.parametrize("qty", ["1", "0.5"])
def test_one_share_or_a_fraction_is_an_order(qty: str) -> None:
    made = _intent(_decision(TradeAction.BUY, qty))
    assert made is not None and made.qty == Decimal(qty)


def test_an_entry_carries_its_protective_levels_an_exit_never_does() -> None:
    stop, target = Decimal(95), Decimal(110)
    entry = _intent(_decision(TradeAction.BUY, stop_loss=stop, take_profit=target))
    assert entry is not None and not entry.reduces_position
    assert (entry.stop_loss, entry.take_profit) == (Decimal(95), Decimal(110))
    sell = _intent(_decision(TradeAction.SELL, stop_loss=stop, take_profit=target))
    assert sell is not None and sell.reduces_position
    assert (sell.stop_loss, sell.take_profit) == (None, None)


def test_client_order_ids_differ_per_thread_decision_ticker_and_role() -> None:
    base = _intent(_decision(TradeAction.BUY))
    assert base is not None
    again = _intent(_decision(TradeAction.BUY))
    assert again is not None and again.client_order_id == base.client_order_id  # deterministic
    others = [
        _intent(_decision(TradeAction.BUY), thread="t2"),
        _intent(_decision(TradeAction.BUY, decision_id="d2")),
        _intent(_decision(TradeAction.BUY, ticker="MSFT")),
        _intent(_decision(TradeAction.SELL)),  # an exit of the same decision
        _intent(_decision(TradeAction.COVER)),  # covering is an exit too
    ]
    ids = [base.client_order_id] + [o.client_order_id for o in others if o is not None]
    assert len(ids) == 6
    assert len(set(ids[:5])) == 5
    assert ids[4] == ids[5]  # both exits of decision d1: the same exit role


# -- exit intents ----------------------------------------------------------------------------


def _signal(
    reason: ExitReason = ExitReason.STOP_LOSS,
    price: str = "94",
    level: str | None = "95",
    side: OrderSide = OrderSide.SELL,
) -> ExitSignal:
    return ExitSignal(
        "AAPL", side, Decimal(9), reason, Decimal(price), None if level is None else Decimal(level)
    )


def test_the_default_exit_attempt_is_the_first_one_a_fresh_ledger_hands_out(
    ledger: SqlLedger,
) -> None:
    signal = _signal()
    first = exit_attempt(ledger, thread_id="m", symbol="AAPL", reason=signal.reason)
    default = exit_intent(signal, thread_id="m", now=NOW)
    assert default == exit_intent(signal, thread_id="m", now=NOW, attempt=first)


def test_an_exit_of_the_same_signal_on_two_threads_gets_two_ids() -> None:
    on_monitor = exit_intent(_signal(), thread_id="monitor", now=NOW)
    on_halt = exit_intent(_signal(), thread_id="halt", now=NOW)
    assert on_monitor.client_order_id != on_halt.client_order_id


def test_a_protective_stop_rests_gtc_at_its_level_a_market_exit_is_for_the_day() -> None:
    stop = exit_intent(_signal(ExitReason.PROTECTIVE_STOP, level="95.004"), thread_id="m", now=NOW)
    assert (stop.order_type, stop.time_in_force, stop.stop_loss) == (
        OrderType.STOP,
        TimeInForce.GTC,
        Decimal("95.00"),
    )
    market = exit_intent(_signal(ExitReason.STOP_LOSS, level="95"), thread_id="m", now=NOW)
    assert (market.order_type, market.time_in_force, market.stop_loss) == (
        OrderType.MARKET,
        TimeInForce.DAY,
        None,
    )


@pytest.mark.parametrize(("price", "reference"), [("94", "94"), ("0.5", "0.5"), ("0", "1")])
def test_an_exit_is_referenced_at_the_signals_price_or_a_placeholder_when_none(
    price: str, reference: str
) -> None:
    made = exit_intent(_signal(price=price), thread_id="m", now=NOW)
    assert made.reference_price == Decimal(reference)


# -- exit decisions and attempts -------------------------------------------------------------


def test_an_exit_decision_says_what_crossed_and_which_rule_sold() -> None:
    signal = _signal(ExitReason.STOP_LOSS, price="94", level="95")
    decision = exit_decision(signal, exit_intent(signal, thread_id="m", now=NOW))
    assert decision.action is TradeAction.SELL
    assert decision.policy == "exit:stop_loss"
    assert decision.reasoning == "stop_loss: AAPL at 94 crossed 95"
    halt = _signal(ExitReason.EMERGENCY_STOP, price="94", level=None, side=OrderSide.BUY)
    cover = exit_decision(halt, exit_intent(halt, thread_id="m", now=NOW))
    assert cover.action is TradeAction.COVER
    assert cover.reasoning == "emergency_stop: AAPL at 94"


def test_a_foreign_decision_id_on_the_thread_does_not_count_as_an_attempt(
    ledger: SqlLedger,
) -> None:
    signal = _signal()
    foreign = exit_intent(signal, thread_id="m", now=NOW).model_copy(
        update={"decision_id": "stop_loss:AAPL:manual", "client_order_id": "hg-manual"}
    )
    ledger.record_intent(foreign, "9")
    assert exit_attempt(ledger, thread_id="m", symbol="AAPL", reason=signal.reason) == 0


# -- in-flight lookups -----------------------------------------------------------------------


class PartlyDownBroker(PaperBroker):
    """The paper broker whose lookup of the client ids in ``down`` fails."""

    down: frozenset[str] = frozenset()

    def get_order_by_client_id(self, client_order_id: str) -> Order | None:
        if client_order_id in self.down:
            raise BrokerError("lookup timed out")
        return super().get_order_by_client_id(client_order_id)


def test_every_unlisted_working_order_is_found_whatever_else_the_ledger_holds(
    tmp_path: Path, ledger: SqlLedger
) -> None:
    broker = PartlyDownBroker(
        database_url=f"sqlite:///{tmp_path / 'paper.sqlite'}",
        starting_cash=Decimal("100000"),
        slippage_bps=0,
        price_source=lambda _ticker: Decimal("100"),
        clock=FixedClock(NOW),
    )
    kinds: dict[str, list[str]] = {"listed": [], "down": [], "absent": [], "working": []}
    for n in range(16):
        kind = list(kinds)[n % 4]
        resting = exit_intent(_signal(), thread_id=f"t{n}", now=NOW).model_copy(
            update={"order_type": OrderType.LIMIT, "limit_price": Decimal("10000")}
        )
        ledger.record_intent(resting, "9")
        if kind != "absent":
            assert broker.submit_order(resting, Decimal(9)).status is OrderStatus.NEW
        kinds[kind].append(resting.client_order_id)
    broker.down = frozenset(kinds["down"])
    errors: list[str] = []
    found = working_by_client_id(broker, ledger, already_listed=kinds["listed"], errors=errors)
    assert sorted(o.client_order_id for o in found) == sorted(kinds["working"])
    assert sorted(errors) == sorted(
        f"lookup of {c} failed: lookup timed out" for c in kinds["down"]
    )
    # the halt's lookups settle the ledger: every working order it found is recorded
    recorded = {o.client_order_id for n in range(16) for o in ledger.orders_for_thread(f"t{n}")}
    assert recorded == set(kinds["working"])
