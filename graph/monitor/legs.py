"""Bracket legs reach the ledger: recorded as orders of their entry's thread, with their fills.

Why: a bracket entry's take-profit and stop-loss legs are orders the broker created for us. If the
ledger never hears of them, start-up reconciliation calls them unknown orders and halts, and when
one fills the ledger still implies the position the broker no longer holds, so trading stays
HALTED for good. Each leg is recorded under an intent of its own (the broker's leg id, the entry's
thread and decision, ``reduces_position``), which keeps invariants 3 and 6: every order in the
ledger has an intent and a decision record.

Which entries are asked about: bracket entries with a fill in a symbol the ledger still holds (a
leg fill there would close it), or whose legs are still working by the ledger's records. Once both
legs are settled in the ledger the entry is never looked up again.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from domain import Fill, Order, OrderIntent, OrderType
from tools.brokers.base import Broker, BrokerError
from tools.persistence.sql_ledger import SqlLedger

__all__ = ["leg_intent", "record_progress", "settle_bracket_legs"]


def record_progress(ledger: SqlLedger, order: Order) -> None:
    """Upsert the broker's view of ``order`` and store what filled since the last report.

    The fill is the difference from the recorded filled quantity, priced so the recorded fills
    average to the broker's ``filled_avg_price``.
    """
    before = ledger.order(order.client_order_id)
    ledger.record_order(order)
    done = before.filled_qty if before is not None else Decimal(0)
    new = order.filled_qty - done
    if new <= 0 or order.filled_avg_price is None:
        return
    paid_before = done * (before.filled_avg_price or Decimal(0)) if before is not None else 0
    price = (order.filled_avg_price * order.filled_qty - paid_before) / new
    if price <= 0:  # a broker that rounds its average: fall back to the average itself
        price = order.filled_avg_price
    ledger.record_fill(
        Fill(
            broker_order_id=order.broker_order_id,
            client_order_id=order.client_order_id,
            ticker=order.ticker,
            side=order.side,
            qty=new,
            price=price,
            filled_at=order.updated_at or order.submitted_at,
        )
    )


def leg_intent(entry: OrderIntent, leg: Order) -> OrderIntent:
    """The intent a broker-made leg is recorded under: the entry's thread and decision."""
    is_stop = leg.order_type is not OrderType.LIMIT
    return OrderIntent(
        client_order_id=leg.client_order_id,
        decision_id=entry.decision_id,
        thread_id=entry.thread_id,
        ticker=leg.ticker,
        side=leg.side,
        qty=leg.qty,
        order_type=OrderType.STOP if is_stop else OrderType.LIMIT,
        time_in_force=entry.time_in_force,
        limit_price=None if is_stop else (leg.limit_price or entry.take_profit),
        reference_price=entry.reference_price,
        reduces_position=True,
        stop_loss=entry.stop_loss if is_stop else None,
        take_profit=None if is_stop else entry.take_profit,
        created_at=entry.created_at,
    )


def record_leg(ledger: SqlLedger, entry: OrderIntent, leg: Order) -> None:
    ledger.record_intent(leg_intent(entry, leg), str(leg.qty))
    record_progress(ledger, leg)


def settle_bracket_legs(
    broker: Broker, ledger: SqlLedger, *, held: Iterable[str], also: Iterable[str] = ()
) -> tuple[list[str], list[str]]:
    """Record the legs of every bracket entry that may still move; (settled ids, differences).

    ``held``: symbols the ledger implies a position in; ``also``: symbols with working orders at
    the broker that the ledger does not know yet.
    """
    settled: list[str] = []
    differences: list[str] = []
    for entry in _entries_to_settle(ledger, {*held, *also}):
        if _legs_settled(ledger, entry):
            continue
        try:
            parent = broker.get_order_by_client_id(entry.client_order_id)
        except BrokerError as exc:
            differences.append(f"{entry.client_order_id}: bracket legs unreadable ({exc})")
            continue
        for leg in parent.legs if parent is not None else ():
            record_leg(ledger, entry, leg)
            settled.append(leg.client_order_id)
    return settled, differences


def _entries_to_settle(ledger: SqlLedger, tickers: set[str]) -> list[OrderIntent]:
    """Bracket entries in ``tickers`` that filled something or may still fill."""
    entries = []
    for cid in ledger.bracket_entries(tickers):
        intent, order = ledger.intent(cid), ledger.order(cid)
        if intent is None or order is None:
            continue
        if order.status.is_terminal and order.filled_qty == 0:
            continue  # never filled: its legs never worked
        entries.append(intent)
    return entries


def _legs_settled(ledger: SqlLedger, entry: OrderIntent) -> bool:
    """Both legs recorded and done: nothing about this entry can change any more."""
    legs = [
        i
        for i in ledger.intents_for_thread(entry.thread_id)
        if i.decision_id == entry.decision_id
        and i.ticker == entry.ticker
        and i.reduces_position
        and i.side is not entry.side
        and i.client_order_id != entry.client_order_id
        and i.order_type in (OrderType.LIMIT, OrderType.STOP)
    ]
    orders = [ledger.order(i.client_order_id) for i in legs]
    return len(orders) >= 2 and all(o is not None and o.status.is_terminal for o in orders)
