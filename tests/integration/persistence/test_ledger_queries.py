"""What graph/ asks of the ledger, on SQLite and Postgres: risk memory, entry levels and the
questions start-up reconciliation needs (unsettled intents, net positions)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest

from domain import OrderIntent, OrderSide, OrderStatus, ProtectiveLevels
from tests.unit.persistence.state_factory import AS_OF, order_for, order_intent
from tools.persistence.ledger import Ledger
from tools.persistence.sql_ledger import SqlLedger


@pytest.fixture
def ledger(database_url: str) -> Iterator[SqlLedger]:
    opened = SqlLedger.from_url(database_url, auto_upgrade=True)
    yield opened
    opened.close()


def _intent(
    decision_id: str,
    ticker: str = "AAPL",
    *,
    side: OrderSide = OrderSide.BUY,
    minutes: int = 0,
    stop: str | None = "160.5",
) -> OrderIntent:
    base = order_intent("t-q", decision_id, ticker)
    return base.model_copy(
        update={
            "side": side,
            "reduces_position": side is OrderSide.SELL,
            "stop_loss": Decimal(stop) if stop else None,
            "take_profit": None if side is OrderSide.SELL else base.take_profit,
            "created_at": AS_OF + timedelta(minutes=minutes),
        }
    )


def _book(
    ledger: SqlLedger,
    intent: OrderIntent,
    status: OrderStatus | None,
    *,
    filled: str = "10",
    minutes: int = 0,
) -> None:
    ledger.record_intent(intent, "10")
    if status is None:
        return
    order = order_for(intent, status).model_copy(
        update={"filled_qty": Decimal(filled), "submitted_at": AS_OF + timedelta(minutes=minutes)}
    )
    ledger.record_order(order)


def test_the_sql_ledger_offers_the_whole_protocol(ledger: SqlLedger) -> None:
    assert isinstance(ledger, Ledger)


def test_unsettled_intents_are_those_without_an_order_or_with_a_working_one(
    ledger: SqlLedger,
) -> None:
    never_sent = _intent("d-1")
    working = _intent("d-2", "MSFT")
    filled = _intent("d-3", "NVDA")
    cancelled = _intent("d-4", "TSLA")
    _book(ledger, never_sent, None)
    _book(ledger, working, OrderStatus.PARTIALLY_FILLED, filled="4")
    _book(ledger, filled, OrderStatus.FILLED)
    _book(ledger, cancelled, OrderStatus.CANCELED, filled="0")
    assert ledger.unsettled_intents() == sorted(
        [never_sent.client_order_id, working.client_order_id]
    )


def test_net_positions_sum_buys_minus_sells_and_drop_flat_symbols(ledger: SqlLedger) -> None:
    _book(ledger, _intent("d-1"), OrderStatus.FILLED)
    _book(ledger, _intent("d-2", side=OrderSide.SELL), OrderStatus.PARTIALLY_FILLED, filled="3.5")
    _book(ledger, _intent("d-3", "MSFT"), OrderStatus.FILLED)
    _book(ledger, _intent("d-4", "MSFT", side=OrderSide.SELL), OrderStatus.FILLED)
    _book(ledger, _intent("d-5", "NVDA"), OrderStatus.CANCELED, filled="0")
    assert ledger.net_positions() == {"AAPL": Decimal("6.5")}


def test_entry_levels_come_from_the_latest_filled_entry(ledger: SqlLedger) -> None:
    _book(ledger, _intent("d-1", stop="150"), OrderStatus.FILLED)
    _book(ledger, _intent("d-2", stop="155", minutes=5), OrderStatus.FILLED)
    _book(ledger, _intent("d-3", stop="158", minutes=9), OrderStatus.CANCELED, filled="0")
    _book(ledger, _intent("d-4", side=OrderSide.SELL, stop="1", minutes=10), OrderStatus.FILLED)
    unguarded = _intent("d-5", "MSFT", stop=None).model_copy(update={"take_profit": None})
    _book(ledger, unguarded, OrderStatus.FILLED)
    levels = ledger.entry_levels(["AAPL", "MSFT", "NVDA"])
    assert levels == {"AAPL": ProtectiveLevels(Decimal("155"), Decimal("190.00"))}
    assert ledger.entry_levels([]) == {}


def test_recent_exits_and_entries_for_the_gate(ledger: SqlLedger) -> None:
    _book(ledger, _intent("d-1"), OrderStatus.FILLED, minutes=0)
    _book(ledger, _intent("d-2", "MSFT"), OrderStatus.NEW, filled="0", minutes=3)
    _book(ledger, _intent("d-3", side=OrderSide.SELL), OrderStatus.FILLED, minutes=4)
    _book(ledger, _intent("d-4", side=OrderSide.SELL), OrderStatus.FILLED, minutes=6)
    _book(
        ledger,
        _intent("d-5", "MSFT", side=OrderSide.SELL),
        OrderStatus.CANCELED,
        filled="0",
        minutes=7,
    )
    assert ledger.last_exits(since=AS_OF) == {"AAPL": AS_OF + timedelta(minutes=6)}
    assert ledger.last_exits(since=AS_OF + timedelta(minutes=7)) == {}
    assert ledger.entry_order_times(since=AS_OF + timedelta(minutes=1)) == [
        AS_OF + timedelta(minutes=3)
    ]


def test_order_book_lists_intents_with_their_orders_newest_first(ledger: SqlLedger) -> None:
    waiting = _intent("d-1", minutes=0)
    filled = _intent("d-2", "MSFT", minutes=1)
    other_thread = order_intent("t-other", "d-9", "NVDA").model_copy(
        update={"created_at": AS_OF + timedelta(minutes=2)}
    )
    _book(ledger, waiting, None)
    _book(ledger, filled, OrderStatus.FILLED)
    _book(ledger, other_thread, OrderStatus.NEW, filled="0")
    book = ledger.order_book()
    assert [b.intent.client_order_id for b in book] == [
        other_thread.client_order_id,
        filled.client_order_id,
        waiting.client_order_id,
    ]
    assert book[2].order is None and book[2].approved_qty == Decimal(10)
    assert book[1].order is not None and book[1].order.status is OrderStatus.FILLED
    assert [b.intent.ticker for b in ledger.order_book(thread_id="t-q")] == ["MSFT", "AAPL"]
    assert [b.intent.ticker for b in ledger.order_book(filled_only=True)] == ["MSFT"]
    assert len(ledger.order_book(limit=1)) == 1
