"""The operator's flat views of the ledger's answers: orders with their decision, run events.

Why here and thin: ``tools.persistence`` is the only owner of its tables (issue 10); the views
ask the ledger (``order_book``, ``runs.events_for_thread``) and only flatten its typed answers
into the rows the tables and ``--json`` print, with numbers as numbers.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel, ConfigDict, PlainSerializer

if TYPE_CHECKING:
    from domain import CycleEvent
    from tools.persistence.ledger import Ledger
    from tools.persistence.records import BookedOrder

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
    """One stored event of a thread's runs; ``info`` with the event kind when no node warned."""

    model_config = ConfigDict(frozen=True)

    thread_id: str
    node: str
    severity: str
    message: str
    ticker: str | None
    at: datetime


def _flat(booked: BookedOrder) -> LedgerOrder:
    intent, order = booked.intent, booked.order
    return LedgerOrder(
        client_order_id=intent.client_order_id,
        thread_id=intent.thread_id,
        decision_id=intent.decision_id,
        symbol=intent.ticker,
        side=intent.side.value,
        qty=intent.qty,
        approved_qty=booked.approved_qty,
        status=order.status.value if order is not None else None,
        filled_qty=order.filled_qty if order is not None else Decimal(0),
        filled_avg_price=order.filled_avg_price if order is not None else None,
        reduces_position=intent.reduces_position,
        stop_loss=intent.stop_loss,
        take_profit=intent.take_profit,
        created_at=intent.created_at,
        submitted_at=order.submitted_at if order is not None else None,
    )


def ledger_orders(
    ledger: Ledger, *, thread_id: str | None = None, filled_only: bool = False, limit: int = 50
) -> list[LedgerOrder]:
    """Newest first: intents with their broker order (if any), as the ledger books them."""
    return [
        _flat(b)
        for b in ledger.order_book(thread_id=thread_id, filled_only=filled_only, limit=limit)
    ]


def _event_view(event: CycleEvent) -> RunEventView:
    problem = event.run_event
    return RunEventView(
        thread_id=event.thread_id,
        node=event.node or "",
        severity=problem.severity.value if problem is not None else "info",
        message=problem.message if problem is not None else event.kind.value,
        ticker=event.ticker,
        at=event.at,
    )


def run_events(ledger: Ledger, *, thread_id: str, limit: int = 200) -> list[RunEventView]:
    """The events stored for a thread's runs, oldest first."""
    return [_event_view(e) for e in ledger.runs.events_for_thread(thread_id, limit=limit)]
