"""Writing what the simulated exchange did to the backtest's ledger, as the live monitor would.

Why: the road records an order when it is submitted; the fill comes later, at the next open, and
bracket legs are orders the broker made. Live, the position monitor records both
(``graph.monitor.legs``); a backtest has no monitor, so after each session this writes every
order that changed, with its fills, through the same functions. The risk gate's memory (recent
exits for cooldowns, entry times for the throttle) then reads the truth.
"""

from __future__ import annotations

from domain import Order
from graph.monitor.legs import record_leg, record_progress
from tools.brokers.simulated import SimulatedBroker
from tools.persistence.sql_ledger import SqlLedger

__all__ = ["LedgerSync"]


class LedgerSync:
    """Remembers what it last wrote per order, and writes only what changed since."""

    def __init__(self, ledger: SqlLedger) -> None:
        self._ledger = ledger
        self._written: dict[str, Order] = {}

    def record(self, broker: SimulatedBroker) -> None:
        for order in broker.all_orders():
            if self._written.get(order.client_order_id) == order:
                continue
            if order.parent_client_order_id is not None:
                entry = self._ledger.intent(order.parent_client_order_id)
                if entry is not None:
                    record_leg(self._ledger, entry, order)
            elif self._ledger.intent(order.client_order_id) is not None:
                record_progress(self._ledger, order)
            self._written[order.client_order_id] = order
