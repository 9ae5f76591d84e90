"""Exactly-once order submission: persist, look up, submit, resolve, record.

The sequence survives a crash at every step because the ``client_order_id`` is deterministic and the
broker is unique on it:

1. ``ledger.record_intent`` first, so a crash after submission still leaves a trace to reconcile.
2. Look the id up at the broker: if it is already there (a crash after submission, a resumed node),
   adopt it and send nothing.
3. Otherwise submit. Before EVERY attempt (the first and each resubmission after an ambiguous
   answer) the persisted trading state is read again and a new entry is refused while it is HALTED
   or REDUCING: a halt issued while the broker was slow to answer wins over the resend.
4. A duplicate-id answer adopts the broker's order. An ambiguous failure (timeout, 5xx, dropped
   connection) is resolved by bounded lookups; only when the broker says it has no such order is
   the same id sent again, which the broker's uniqueness makes safe.
5. Record the broker's order in the ledger.

A terminal order with nothing filled (cancelled, rejected, expired) is returned like any other;
``is_dead`` tells the caller it did not do the job, so an exit must try again under a new attempt
id (the same id can never be sent twice).
"""

from __future__ import annotations

from decimal import Decimal

from tenacity import (
    RetryError,
    Retrying,
    retry_if_exception_type,
    retry_if_result,
    stop_after_attempt,
    wait_exponential,
)

from domain import Order, OrderIntent, TradingStatus
from tools.brokers.base import (
    AmbiguousSubmissionError,
    Broker,
    BrokerError,
    DuplicateClientOrderIdError,
    EntryBlockedError,
    UnresolvedSubmissionError,
)
from tools.failpoints import failpoint
from tools.persistence.ledger import Ledger

__all__ = ["is_dead", "lookup_order", "resolve_by_lookup", "submit_exactly_once"]


def is_dead(order: Order) -> bool:
    """Terminal with nothing filled: the broker will never act on it, so it never counts as done."""
    return order.status.is_terminal and order.filled_qty <= 0


def resolve_by_lookup(
    broker: Broker, client_order_id: str, *, attempts: int = 5, wait_seconds: float = 0.2
) -> Order | None:
    """The broker's order for ``client_order_id``, retrying lookups that fail or come back empty.

    Why retry an empty answer: a broker that just timed out on the submit may not list the order
    yet. ``None`` after every attempt means the broker does not hold it.
    """
    retrying = Retrying(
        stop=stop_after_attempt(attempts),
        wait=wait_exponential(multiplier=wait_seconds, max=max(wait_seconds * 8, wait_seconds)),
        retry=retry_if_exception_type(BrokerError) | retry_if_result(lambda found: found is None),
        reraise=False,
    )
    try:
        return retrying(broker.get_order_by_client_id, client_order_id)
    except RetryError as exc:
        last = exc.last_attempt
        if last.failed:
            raise UnresolvedSubmissionError(
                f"lookup of {client_order_id} kept failing: {last.exception()}"
            ) from last.exception()
        return None


def submit_exactly_once(
    intent: OrderIntent,
    qty: Decimal,
    *,
    broker: Broker,
    ledger: Ledger,
    resubmits: int = 2,
    lookup_attempts: int = 5,
    wait_seconds: float = 0.2,
) -> Order:
    """Place ``qty`` of ``intent`` at most once and return the broker's order (recorded)."""
    ledger.record_intent(intent, str(qty))
    failpoint("after_record_intent")
    order = lookup_order(broker, intent.client_order_id, lookup_attempts, wait_seconds)
    if order is None:
        order = _submit_resolving(
            intent,
            qty,
            broker,
            ledger,
            resubmits=resubmits,
            attempts=lookup_attempts,
            wait=wait_seconds,
        )
        failpoint("after_submit")
    ledger.record_order(order)
    failpoint("after_record_order")
    return order


def lookup_order(
    broker: Broker, client_order_id: str, attempts: int = 5, wait_seconds: float = 0.2
) -> Order | None:
    """One authoritative lookup, retried only while it errors: an empty answer is an answer here."""
    retrying = Retrying(
        stop=stop_after_attempt(attempts),
        wait=wait_exponential(multiplier=wait_seconds, max=max(wait_seconds * 8, wait_seconds)),
        retry=retry_if_exception_type(BrokerError),
        reraise=True,
    )
    return retrying(broker.get_order_by_client_id, client_order_id)


def _refuse_entry_when_blocked(intent: OrderIntent, ledger: Ledger) -> None:
    state = ledger.trading_state()
    if not intent.reduces_position and state.status is not TradingStatus.ACTIVE:
        raise EntryBlockedError(
            f"trading is {state.status.value} ({state.reason or 'no reason given'}): "
            f"entry {intent.client_order_id} not sent"
        )


def _submit_resolving(
    intent: OrderIntent,
    qty: Decimal,
    broker: Broker,
    ledger: Ledger,
    *,
    resubmits: int,
    attempts: int,
    wait: float,
) -> Order:
    cid = intent.client_order_id
    last_error: BrokerError | None = None
    for _ in range(resubmits + 1):
        _refuse_entry_when_blocked(intent, ledger)  # every attempt: a halt meanwhile wins
        try:
            return broker.submit_order(intent, qty)
        except DuplicateClientOrderIdError as exc:
            found = resolve_by_lookup(broker, cid, attempts=attempts, wait_seconds=wait)
            if found is None:
                raise UnresolvedSubmissionError(
                    f"broker reports {cid} as a duplicate but cannot find it"
                ) from exc
            return found
        except AmbiguousSubmissionError as exc:
            last_error = exc
            found = resolve_by_lookup(broker, cid, attempts=attempts, wait_seconds=wait)
            if found is not None:
                return found
    raise UnresolvedSubmissionError(
        f"submission of {cid} stayed ambiguous after {resubmits + 1} tries: {last_error}"
    ) from last_error
