"""The emergency stop's last resort: flatten at the broker when the ledger cannot be read.

Why a second path at all: invariant 1 routes every order through the road, which persists the
intent in the ledger before it submits. When the ledger itself is unreadable (a corrupt SQLite
file, an unreachable Postgres), refusing to halt would leave positions unprotected exactly when an
operator is pulling the emergency brake. This path does only what needs no ledger and says so:

- every working order is cancelled, except our own earlier broker-only exits still working;
- every position gets one market exit whose client order id comes from (thread, symbol, attempt),
  so a rerun finds its earlier attempt at the broker instead of sending another: a working one is
  adopted, a terminal one (filled for an older position, or dead) moves on to the next attempt;
- an ambiguous submission is resolved by looking the id up, as on the road.

Exits that reduce risk are always allowed by the gate, so skipping the gate here loosens nothing;
what is lost is the ledger's record, and the report and the alert say so: after the ledger is
repaired, ``hedgegraph adopt-broker-book`` brings it level with the broker.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from pydantic import Field

from domain import (
    EventSeverity,
    ExitReason,
    ExitSignal,
    Order,
    OrderIntent,
    client_order_id_for,
    closing_side,
)
from domain._base import DomainModel
from graph.execution.exactly_once import resolve_by_lookup
from graph.execution.exits import exit_decision_id
from graph.execution.intents import exit_intent
from tools.alerts.model import Alert
from tools.brokers.base import (
    AmbiguousSubmissionError,
    Broker,
    BrokerError,
    DuplicateClientOrderIdError,
)
from tools.clock import Clock

__all__ = ["BROKER_ONLY_THREAD", "BrokerOnlyStopReport", "flatten_at_broker"]

BROKER_ONLY_THREAD = "emergency-stop-broker-only"
MAX_ATTEMPTS = 50
"""Attempts per symbol looked up before giving up; each earlier halt of the symbol used one."""


class BrokerOnlyStopReport(DomainModel):
    """What the broker-only stop did; ``flat`` only when every position has a working exit."""

    reason: str
    ledger_problem: str
    cancelled: tuple[str, ...] = ()
    exits: tuple[dict[str, str | None], ...] = ()
    errors: tuple[str, ...] = Field(default_factory=tuple)
    flat: bool


def _attempt_id(symbol: str, attempt: int) -> str:
    decision_id = exit_decision_id(ExitReason.EMERGENCY_STOP, symbol, attempt)
    return client_order_id_for(BROKER_ONLY_THREAD, decision_id, symbol, "exit")


def _working_attempt(broker: Broker, symbol: str) -> tuple[int, Order | None]:
    """The first attempt number with no order at the broker, or the attempt still working."""
    for attempt in range(MAX_ATTEMPTS):
        found = broker.get_order_by_client_id(_attempt_id(symbol, attempt))
        if found is None:
            return attempt, None
        if not found.status.is_terminal:
            return attempt, found
    raise BrokerError(f"{symbol}: {MAX_ATTEMPTS} earlier broker-only exits; resolve by hand")


def _submit(broker: Broker, intent: OrderIntent) -> Order:
    try:
        return broker.submit_order(intent, intent.qty)
    except (AmbiguousSubmissionError, DuplicateClientOrderIdError) as exc:
        found = resolve_by_lookup(broker, intent.client_order_id)
        if found is None:
            raise BrokerError(f"submission of {intent.client_order_id} unresolved: {exc}") from exc
        return found


def flatten_at_broker(
    *,
    reason: str,
    ledger_problem: str,
    broker: Broker,
    clock: Clock,
    send_alert: Callable[[Alert], object] | None = None,
) -> BrokerOnlyStopReport:
    """Cancel every working order and close every position at the broker, without the ledger."""
    now = clock.now()
    errors: list[str] = []
    exits: list[dict[str, str | None]] = []
    pending: list[tuple[ExitSignal, int]] = []
    ours: set[str] = set()
    try:
        positions = broker.portfolio().positions
    except BrokerError as exc:
        positions = {}
        errors.append(f"reading positions failed: {exc}")
    for symbol, position in sorted(positions.items()):
        if position.qty == 0:
            continue
        try:
            attempt, working = _working_attempt(broker, symbol)
        except BrokerError as exc:
            errors.append(f"exit {symbol}: {exc}")
            continue
        if working is not None:
            ours.add(working.client_order_id)
            exits.append(
                {
                    "symbol": symbol,
                    "qty": str(working.qty),
                    "order": working.client_order_id,
                    "error": None,
                }
            )
            continue
        signal = ExitSignal(
            symbol=symbol,
            side=closing_side(position.qty),
            qty=abs(position.qty),
            reason=ExitReason.EMERGENCY_STOP,
            price=position.market_price or position.avg_entry_price or Decimal(1),
            level=None,
        )
        pending.append((signal, attempt))
    cancelled: list[str] = []
    try:
        working_orders = broker.open_orders()
    except BrokerError as exc:
        working_orders = []
        errors.append(f"listing open orders failed: {exc}")
    for order in working_orders:
        if order.client_order_id in ours:
            continue
        try:
            broker.cancel_order(order.broker_order_id)
            cancelled.append(order.client_order_id)
        except BrokerError as exc:
            errors.append(f"cancel {order.client_order_id} failed: {exc}")
    for signal, attempt in pending:
        intent = exit_intent(signal, thread_id=BROKER_ONLY_THREAD, now=now, attempt=attempt)
        try:
            order = _submit(broker, intent)
            exits.append(
                {
                    "symbol": signal.symbol,
                    "qty": str(signal.qty),
                    "order": order.client_order_id,
                    "error": None,
                }
            )
        except BrokerError as exc:
            exits.append(
                {"symbol": signal.symbol, "qty": str(signal.qty), "order": None, "error": str(exc)}
            )
            errors.append(f"exit {signal.symbol}: {exc}")
    report = BrokerOnlyStopReport(
        reason=reason,
        ledger_problem=ledger_problem,
        cancelled=tuple(cancelled),
        exits=tuple(exits),
        errors=tuple(errors),
        flat=not errors and all(e["order"] for e in exits),
    )
    if send_alert is not None:
        send_alert(
            Alert(
                severity=EventSeverity.CRITICAL,
                title="emergency stop without the ledger",
                message=(
                    f"Emergency stop: {reason}. The ledger could not be read ({ledger_problem}); "
                    f"cancelled {len(cancelled)} order(s) and sent {len(pending)} exit(s) at the "
                    "broker with no ledger record and the trading state NOT persisted. Repair the "
                    "ledger, then run `hedgegraph halt` again and `hedgegraph adopt-broker-book`."
                ),
                at=now,
                key=f"emergency-stop-broker-only:{reason}",
            )
        )
    return report
