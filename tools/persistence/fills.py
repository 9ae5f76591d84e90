"""Fills: every execution against an order the ledger knows, bracket legs included.

Why apart from ``orders``: an order row holds the broker's latest totals; the fills are what
happened, one row per execution, which the operator's trade history and the performance figures
read. A bracket's take-profit and stop legs are orders of their own (with their own intents, in
the parent's thread), so their fills are booked under their own client_order_id.

Every order report books what its cumulative totals imply (``book_implied_fill``), so execute,
reconciliation, the monitor and the legs all leave their fills without having to remember to.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from sqlalchemy import exc as sa_exc
from sqlalchemy import select
from sqlalchemy.orm import Session

from domain import Fill, OrderSide
from tools.persistence.errors import UnknownIntentError
from tools.persistence.schema import FillRow, OrderIntentRow, OrderRow
from tools.persistence.store import Store, dialect_insert
from tools.persistence.types import MONEY_SCALE

__all__ = ["FillBook", "book_implied_fill"]

_PRICE_STEP = Decimal(1).scaleb(-MONEY_SCALE)


def book_implied_fill(session: Session, client_order_id: str) -> None:
    """Book the part of an order's filled quantity that no stored fill accounts for yet.

    Why: brokers report an order's cumulative filled quantity and average price; the difference
    from the fills already booked is one execution of ``filled_qty - booked`` at the price that
    makes the averages agree. Runs inside the order's write, after the upsert, so it reads the
    stored (never a stale) report; booking it twice is a no-op (the fills' unique key).
    """
    order = session.get(OrderRow, client_order_id)
    if order is None or order.filled_qty <= 0 or order.filled_avg_price is None:
        return
    booked = session.execute(
        select(FillRow.qty, FillRow.price).where(FillRow.client_order_id == client_order_id)
    ).all()
    booked_qty = sum((qty for qty, _ in booked), Decimal(0))
    missing = order.filled_qty - booked_qty
    if missing <= 0:
        return
    booked_cost = sum((qty * price for qty, price in booked), Decimal(0))
    price = (order.filled_qty * order.filled_avg_price - booked_cost) / missing
    price = price.quantize(_PRICE_STEP, rounding=ROUND_HALF_EVEN)
    if price <= 0:
        return  # the broker's totals contradict the booked fills; reconciliation reports it
    insert = dialect_insert(session)
    session.execute(
        insert(FillRow)
        .values(
            client_order_id=client_order_id,
            broker_order_id=order.broker_order_id,
            ticker=order.ticker,
            side=order.side,
            qty=missing,
            price=price,
            filled_at=order.updated_at or order.submitted_at,
        )
        .on_conflict_do_nothing()
    )


def _fill(row: FillRow) -> Fill:
    return Fill(
        broker_order_id=row.broker_order_id,
        client_order_id=row.client_order_id,
        ticker=row.ticker,
        side=OrderSide(row.side),
        qty=row.qty,
        price=row.price,
        filled_at=row.filled_at,
    )


class FillBook:
    def __init__(self, store: Store) -> None:
        self.store = store

    def record_fill(self, fill: Fill) -> bool:
        """Store one execution once; a duplicate returns False. The order must exist.

        For executions the broker reports one by one (its fill activities). An order report
        (``SqlLedger.record_order``) books the remainder its totals imply, so record activities
        before the order report that includes them, or they count twice.
        """
        values = fill.model_dump(exclude={"side"}) | {"side": fill.side.value}
        try:
            with self.store.write() as session:
                insert = dialect_insert(session)
                inserted = session.execute(
                    insert(FillRow).values(**values).on_conflict_do_nothing().returning(FillRow.id)
                ).first()
                return inserted is not None
        except sa_exc.IntegrityError as exc:
            raise UnknownIntentError(
                f"fill for {fill.client_order_id} has no recorded order; record the order first"
            ) from exc

    def fills_for_order(self, client_order_id: str) -> list[Fill]:
        query = (
            select(FillRow)
            .where(FillRow.client_order_id == client_order_id)
            .order_by(FillRow.filled_at, FillRow.id)
        )
        with self.store.sessions() as session:
            return [_fill(row) for row in session.scalars(query)]

    def fills_for_thread(self, thread_id: str) -> list[Fill]:
        """Every fill of every order of a thread (legs included), in time order."""
        query = (
            select(FillRow)
            .join(OrderIntentRow, OrderIntentRow.client_order_id == FillRow.client_order_id)
            .where(OrderIntentRow.thread_id == thread_id)
            .order_by(FillRow.filled_at, FillRow.id)
        )
        with self.store.sessions() as session:
            return [_fill(row) for row in session.scalars(query)]

    def recent(self, limit: int) -> list[Fill]:
        """The account's latest fills across every thread, newest first (the operator page's
        portfolio card: what executed lately, whoever started it)."""
        query = select(FillRow).order_by(FillRow.filled_at.desc(), FillRow.id.desc()).limit(limit)
        with self.store.sessions() as session:
            return [_fill(row) for row in session.scalars(query)]
