"""Orders that may still fill although the broker's open-order list does not show them.

Why: ``halt`` and ``status`` that trust only the broker's list miss a working entry that the list
lags behind (or pages past), and an intent whose submission is unresolved (a timeout, a crash
between intent and order) may be sitting at the broker. Both are in the ledger: its non-terminal
orders and its intents with no order. Each is looked up by client id; whatever the broker still
works is returned, and every answer settles the ledger's view of the order.
"""

from __future__ import annotations

from collections.abc import Iterable

from domain import Order
from tools.brokers.base import Broker, BrokerError
from tools.persistence.ledger import Ledger

__all__ = ["working_by_client_id"]


def working_by_client_id(
    broker: Broker,
    ledger: Ledger,
    *,
    already_listed: Iterable[str],
    errors: list[str],
    record: bool = True,
) -> list[Order]:
    """Working orders the ledger knows of and the broker's list left out, looked up one by one.

    Lookup failures are appended to ``errors`` (the operator must look), never raised. With
    ``record`` (the halt) each answer also settles the ledger; ``status`` records nothing.
    """
    listed = set(already_listed)
    found: list[Order] = []
    for client_order_id in ledger.unsettled_intents():
        if client_order_id in listed:
            continue
        try:
            order = broker.get_order_by_client_id(client_order_id)
        except BrokerError as exc:
            errors.append(f"lookup of {client_order_id} failed: {exc}")
            continue
        if order is None:
            continue  # never reached the broker
        if record:
            ledger.record_order(order)
        if not order.status.is_terminal:
            found.append(order)
    return found
