"""Exit intents and the decisions behind them: the attempt id and the decision behind every exit.

Why an attempt number: an exit's client_order_id must be unique per attempt. When it was derived
from (reason, day, qty, symbol) a second emergency stop with the same size on the same day found
the first one's order (filled, cancelled or rejected), adopted it and sent nothing, leaving the new
position open under HALTED. The attempt is persisted with the intent (it is part of the decision
id) and counted back from the ledger: an earlier attempt that is settled (terminal at the broker,
filled or not) moves the count on; one still in flight (no terminal order yet) is re-used, so a
crash-and-rerun adopts it instead of sending a second order.

Why a decision: every order hedgegraph sends links to a decision record (invariant 6), whatever
sent it. An exit's decision is built here, from the signal that caused it.
"""

from __future__ import annotations

import hashlib

from domain import (
    ExitReason,
    ExitSignal,
    OrderIntent,
    OrderSide,
    TradeAction,
    TradeDecision,
)
from tools.persistence.ledger import Ledger

__all__ = [
    "exit_attempt",
    "exit_decision",
    "exit_decision_id",
    "exit_inputs_digest",
]


def exit_decision_id(reason: ExitReason, symbol: str, attempt: int) -> str:
    return f"{reason.value}:{symbol}:{attempt}"


def _attempt_of(decision_id: str, prefix: str) -> int | None:
    if not decision_id.startswith(prefix):
        return None
    tail = decision_id[len(prefix) :]
    return int(tail) if tail.isdigit() else None


def exit_attempt(ledger: Ledger, *, thread_id: str, symbol: str, reason: ExitReason) -> int:
    """The attempt number the next exit of ``symbol`` for ``reason`` on ``thread_id`` must use.

    The latest earlier attempt is re-used while it has no terminal order in the ledger (it may be
    working, or a crash left it between intent and order: exactly-once adopts or sends it); once it
    is terminal, filled or not, the next attempt gets a fresh number and so a fresh order id.
    """
    prefix = f"{reason.value}:{symbol}:"
    attempts = [
        (n, intent.client_order_id)
        for intent in ledger.intents_for_thread(thread_id)
        if intent.ticker == symbol and (n := _attempt_of(intent.decision_id, prefix)) is not None
    ]
    if not attempts:
        return 0
    latest, client_order_id = max(attempts)
    order = next(
        (o for o in ledger.orders_for_thread(thread_id) if o.client_order_id == client_order_id),
        None,
    )
    if order is None or not order.status.is_terminal:
        return latest
    return latest + 1


def exit_decision(signal: ExitSignal, intent: OrderIntent) -> TradeDecision:
    """The decision record of an exit: what crossed, at what price, and which rule sold it."""
    level = f" crossed {signal.level}" if signal.level is not None else ""
    return TradeDecision(
        decision_id=intent.decision_id,
        ticker=signal.symbol,
        action=TradeAction.SELL if signal.side is OrderSide.SELL else TradeAction.COVER,
        quantity=signal.qty,
        confidence=1.0,
        reasoning=f"{signal.reason.value}: {signal.symbol} at {signal.price}{level}",
        policy=f"exit:{signal.reason.value}",
    )


def exit_inputs_digest(signal: ExitSignal) -> str:
    """Hash of exactly what the exit rule saw."""
    seen = (
        f"{signal.symbol}|{signal.side}|{signal.qty}|{signal.reason}|{signal.price}|{signal.level}"
    )
    return hashlib.sha256(seen.encode()).hexdigest()
