"""Read-only questions an operator asks the ledger: which orders, which trades, which events.

Why here and read-only: the ledger's own API answers per thread; the operator views list across
threads. These selects never write; they read the tables ``tools.persistence`` owns and return
typed rows. (If the ledger grows listing methods, these become thin calls to them.)
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel, ConfigDict, PlainSerializer

if TYPE_CHECKING:
    from tools.persistence.store import Store

__all__ = ["LedgerOrder", "RunEventView", "ledger_orders", "run_events"]

Number = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]


class LedgerOrder(BaseModel):
    """An order with the intent and decision it came from (invariant 6)."""

    model_config = ConfigDict(frozen=True)

    client_order_id: str
    thread_id: str
    decision_id: str
    symbol: str
    side: str
    qty: Number
    approved_qty: Number
    status: str | None
    """``None``: the intent was persisted but no broker order is recorded (yet)."""
    filled_qty: Number
    filled_avg_price: Number | None
    reduces_position: bool
    stop_loss: Number | None
    take_profit: Number | None
    created_at: datetime
    submitted_at: datetime | None


class RunEventView(BaseModel):
    model_config = ConfigDict(frozen=True)

    thread_id: str
    node: str
    severity: str
    message: str
    ticker: str | None
    at: datetime


def ledger_orders(
    store: Store,
    *,
    thread_id: str | None = None,
    filled_only: bool = False,
    limit: int = 50,
) -> list[LedgerOrder]:
    """Newest first: intents with their broker order (if any)."""
    from sqlalchemy import select

    from tools.persistence.schema import OrderIntentRow, OrderRow

    query = (
        select(OrderIntentRow, OrderRow)
        .outerjoin(OrderRow, OrderRow.client_order_id == OrderIntentRow.client_order_id)
        .order_by(OrderIntentRow.created_at.desc())
        .limit(limit)
    )
    if thread_id is not None:
        query = query.where(OrderIntentRow.thread_id == thread_id)
    if filled_only:
        query = query.where(OrderRow.filled_qty > 0)
    with store.sessions() as session:
        return [
            LedgerOrder(
                client_order_id=intent.client_order_id,
                thread_id=intent.thread_id,
                decision_id=intent.decision_id,
                symbol=intent.ticker,
                side=intent.side,
                qty=intent.qty,
                approved_qty=intent.approved_qty,
                status=order.status if order is not None else None,
                filled_qty=order.filled_qty if order is not None else Decimal(0),
                filled_avg_price=order.filled_avg_price if order is not None else None,
                reduces_position=intent.reduces_position,
                stop_loss=intent.stop_loss,
                take_profit=intent.take_profit,
                created_at=intent.created_at,
                submitted_at=order.submitted_at if order is not None else None,
            )
            for intent, order in session.execute(query)
        ]


def run_events(store: Store, *, thread_id: str, limit: int = 200) -> list[RunEventView]:
    """The run events stored for a thread, oldest first."""
    from sqlalchemy import select

    from tools.persistence.schema import RunEventRow

    query = (
        select(RunEventRow)
        .where(RunEventRow.thread_id == thread_id)
        .order_by(RunEventRow.at, RunEventRow.id)
        .limit(limit)
    )
    with store.sessions() as session:
        return [
            RunEventView(
                thread_id=row.thread_id,
                node=row.node,
                severity=row.severity,
                message=row.message,
                ticker=row.ticker,
                at=row.at,
            )
            for row in session.scalars(query)
        ]
