"""Start-up reconciliation: the ledger and the broker must tell the same story before we trade.

Steps: (1) settle what a crash may have left open: every intent without an order and every
non-terminal order is looked up by client_order_id and the broker's answer recorded, and the legs
of bracket entries are recorded as orders of their entry's thread (``graph.monitor.legs``), fills
included; (2) compare the positions the ledger's fills imply with the broker's positions; (3) look
for working orders at the broker that the ledger has never heard of (an entry's own legs are not
strangers). Any difference left after (1) sets HALTED with a critical alert: an operator must
explain it (or adopt the broker's book, ``graph.monitor.adopt``) before the system trades again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from domain import EventSeverity, Order, TradingStateRecord, TradingStatus
from graph.monitor.legs import record_progress, settle_bracket_legs
from tools.alerts.dispatcher import AlertDispatcher
from tools.alerts.model import Alert
from tools.brokers.base import Broker, BrokerError
from tools.clock import Clock
from tools.persistence.sql_ledger import SqlLedger

__all__ = [
    "ReconciliationReport",
    "ledger_positions",
    "reconcile",
    "settle_pending",
    "unsettled_ids",
]


@dataclass(frozen=True, slots=True)
class ReconciliationReport:
    settled: tuple[str, ...]
    """client_order_ids whose broker state was (re)recorded."""
    never_sent: tuple[str, ...]
    """Intents the broker has no order for: the crash came before submission; nothing to do."""
    differences: tuple[str, ...]

    @property
    def clean(self) -> bool:
        return not self.differences


def ledger_positions(ledger: SqlLedger) -> dict[str, Decimal]:
    """Signed quantity per symbol that the ledger's recorded fills imply (zeros left out)."""
    return ledger.net_positions()


def unsettled_ids(ledger: SqlLedger) -> list[str]:
    """Intents with no recorded order, and every order the broker may still move."""
    return ledger.unsettled_intents()


def settle_pending(
    broker: Broker, ledger: SqlLedger, *, unknown_at_broker: Sequence[Order] = ()
) -> tuple[list[str], list[str], list[str]]:
    """Record the broker's current view of every intent without an order and every working order.

    This is how partial fills, late fills, cancels and bracket legs reach the ledger. Returns
    (settled, never_sent, differences).
    """
    settled: list[str] = []
    never_sent: list[str] = []
    differences: list[str] = []
    for cid in unsettled_ids(ledger):
        try:
            order = broker.get_order_by_client_id(cid)
        except BrokerError as exc:
            differences.append(f"{cid}: lookup failed ({exc})")
            continue
        if order is None:
            if ledger.order(cid) is not None:
                differences.append(f"{cid}: recorded as working but unknown to the broker")
            else:
                never_sent.append(cid)
            continue
        record_progress(ledger, order)
        settled.append(cid)
    legs, unreadable = settle_bracket_legs(
        broker,
        ledger,
        held=ledger_positions(ledger),
        also=[o.ticker for o in unknown_at_broker],
    )
    settled += [cid for cid in legs if cid not in settled]
    return settled, never_sent, differences + unreadable


def reconcile(
    *, broker: Broker, ledger: SqlLedger, clock: Clock, alerts: AlertDispatcher | None = None
) -> ReconciliationReport:
    try:
        working = broker.open_orders()
    except BrokerError:
        working = []  # reported below when the broker is read again
    known = {o.client_order_id for o in ledger.open_orders()}
    settled, never_sent, differences = settle_pending(
        broker, ledger, unknown_at_broker=[o for o in working if o.client_order_id not in known]
    )
    try:
        broker_positions = {s: p.qty for s, p in broker.portfolio().positions.items() if p.qty != 0}
        known = {o.client_order_id for o in ledger.open_orders()}
        strangers = [o for o in broker.open_orders() if o.client_order_id not in known]
    except BrokerError as exc:
        broker_positions, strangers = {}, []
        differences.append(f"broker unreadable: {exc}")
    expected = ledger_positions(ledger)
    for symbol in sorted(set(expected) | set(broker_positions)):
        local, remote = expected.get(symbol, Decimal(0)), broker_positions.get(symbol, Decimal(0))
        if local != remote:
            differences.append(f"{symbol}: ledger implies {local}, broker holds {remote}")
    differences += [f"{o.client_order_id}: working at the broker, unknown here" for o in strangers]
    report = ReconciliationReport(tuple(settled), tuple(never_sent), tuple(differences))
    if differences:
        _halt(report, ledger, clock, alerts)
    return report


def _halt(
    report: ReconciliationReport, ledger: SqlLedger, clock: Clock, alerts: AlertDispatcher | None
) -> None:
    now = clock.now()
    summary = "; ".join(report.differences)
    ledger.set_trading_state(
        TradingStateRecord(
            status=TradingStatus.HALTED, reason=f"reconciliation: {summary}"[:500], changed_at=now
        )
    )
    if alerts is not None:
        alerts.send(
            Alert(
                severity=EventSeverity.CRITICAL,
                title="reconciliation found differences",
                message=f"Trading is HALTED until an operator resolves: {summary}",
                at=now,
                key=f"reconciliation:{summary}",
            )
        )
