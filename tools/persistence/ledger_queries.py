"""What graph/ asks of the intents and orders, so no graph module reads the tables itself.

Why in the ledger: the risk gate's memory (recent exits and entries), the monitor's entry levels,
start-up reconciliation (unsettled intents, net positions) and the operator's order list each
need a query across intents and orders; keeping them here keeps ``tools.persistence`` the only
owner of its tables.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from domain import OrderSide, OrderStatus, ProtectiveLevels
from tools.persistence.records import BookedOrder
from tools.persistence.row_models import intent_from_row, order_from_row
from tools.persistence.schema import OrderIntentRow, OrderRow
from tools.persistence.store import Store

__all__ = ["LedgerQueries"]

_TERMINAL = [s.value for s in OrderStatus if s.is_terminal]
_JOIN = OrderIntentRow.client_order_id == OrderRow.client_order_id


class LedgerQueries:
    """Read-only questions the graph asks of the ledger (mixed into ``SqlLedger``)."""

    store: Store

    def last_exits(self, *, since: datetime) -> dict[str, datetime]:
        """Per symbol, when its latest position-reducing order that filled (any part) was sent."""
        query = (
            select(OrderRow.ticker, OrderRow.submitted_at)
            .join(OrderIntentRow, _JOIN)
            .where(
                OrderRow.submitted_at >= since,
                OrderRow.filled_qty > 0,
                OrderIntentRow.reduces_position,
            )
        )
        last: dict[str, datetime] = {}
        with self.store.sessions() as session:
            for ticker, at in session.execute(query):
                if ticker not in last or at > last[ticker]:
                    last[ticker] = at
        return last

    def entry_order_times(self, *, since: datetime) -> list[datetime]:
        """When each entry (an order that does not reduce a position) was sent since ``since``."""
        query = (
            select(OrderRow.submitted_at)
            .join(OrderIntentRow, _JOIN)
            .where(OrderRow.submitted_at >= since, ~OrderIntentRow.reduces_position)
            .order_by(OrderRow.submitted_at)
        )
        with self.store.sessions() as session:
            return list(session.scalars(query))

    def entry_levels(self, symbols: Iterable[str]) -> dict[str, ProtectiveLevels]:
        """Stop and target of the latest filled entry per symbol that carried either."""
        wanted = sorted(set(symbols))
        if not wanted:
            return {}
        query = (
            select(OrderIntentRow.ticker, OrderIntentRow.stop_loss, OrderIntentRow.take_profit)
            .join(OrderRow, _JOIN)
            .where(
                OrderIntentRow.ticker.in_(wanted),
                ~OrderIntentRow.reduces_position,
                OrderRow.filled_qty > 0,
                OrderIntentRow.stop_loss.is_not(None) | OrderIntentRow.take_profit.is_not(None),
            )
            .order_by(OrderIntentRow.created_at, OrderIntentRow.client_order_id)
        )
        levels: dict[str, ProtectiveLevels] = {}
        with self.store.sessions() as session:
            for ticker, stop, target in session.execute(query):
                levels[ticker] = ProtectiveLevels(stop, target)  # later entries win
        return levels

    def bracket_entries(self, symbols: Iterable[str]) -> list[str]:
        """client_order_ids of entries in ``symbols`` sent with both a stop and a target.

        Why: the broker gives such an entry take-profit and stop legs; reconciliation records
        them (and their fills) as orders of the entry's thread. Oldest first.
        """
        wanted = sorted(set(symbols))
        if not wanted:
            return []
        query = (
            select(OrderIntentRow.client_order_id)
            .join(OrderRow, _JOIN)
            .where(
                OrderIntentRow.ticker.in_(wanted),
                ~OrderIntentRow.reduces_position,
                OrderIntentRow.stop_loss.is_not(None),
                OrderIntentRow.take_profit.is_not(None),
            )
            .order_by(OrderIntentRow.created_at, OrderIntentRow.client_order_id)
        )
        with self.store.sessions() as session:
            return list(session.scalars(query))

    def unsettled_intents(self) -> list[str]:
        """client_order_ids whose outcome is not settled: no order recorded, or one still working.

        Why: after a crash these are exactly the intents whose broker state must be looked up by
        client id before anything is resubmitted or the books are compared (invariant 3).
        """
        with self.store.sessions() as session:
            no_order = session.scalars(
                select(OrderIntentRow.client_order_id)
                .outerjoin(OrderRow, _JOIN)
                .where(OrderRow.client_order_id.is_(None))
            ).all()
            working = session.scalars(
                select(OrderRow.client_order_id).where(OrderRow.status.not_in(_TERMINAL))
            ).all()
        return sorted(set(no_order) | set(working))

    def net_positions(self) -> dict[str, Decimal]:
        """Signed quantity per symbol that the recorded fills imply (buys minus sells).

        Every order the ledger knows counts, bracket legs included (each is its own order);
        symbols that net to zero are left out, so the result compares directly with the broker's
        positions.
        """
        held: dict[str, Decimal] = defaultdict(Decimal)
        with self.store.sessions() as session:
            for ticker, side, filled in session.execute(
                select(OrderRow.ticker, OrderRow.side, OrderRow.filled_qty)
            ):
                held[ticker] += filled if side == OrderSide.BUY.value else -filled
        return {t: q for t, q in sorted(held.items()) if q != 0}

    def order_book(
        self, *, thread_id: str | None = None, filled_only: bool = False, limit: int = 50
    ) -> list[BookedOrder]:
        """Newest intents first, each with its approved quantity and broker order (if any).

        What an operator's order list reads, across threads or for one.
        """
        query = (
            select(OrderIntentRow, OrderRow)
            .outerjoin(OrderRow, _JOIN)
            .order_by(OrderIntentRow.created_at.desc(), OrderIntentRow.client_order_id.desc())
            .limit(limit)
        )
        if thread_id is not None:
            query = query.where(OrderIntentRow.thread_id == thread_id)
        if filled_only:
            query = query.where(OrderRow.filled_qty > 0)
        with self.store.sessions() as session:
            return [
                BookedOrder(
                    intent=intent_from_row(intent),
                    approved_qty=intent.approved_qty,
                    order=order_from_row(order) if order is not None else None,
                )
                for intent, order in session.execute(query)
            ]
