"""Start-up reconciliation: the ledger and the broker must tell the same story before we trade.

Steps: (1) settle what a crash may have left open: every intent without an order and every
non-terminal order is looked up by client_order_id and the broker's answer recorded; (2) compare
the positions the ledger's fills imply with the broker's positions; (3) look for working orders at
the broker that the ledger has never heard of. Any difference left after (1) sets HALTED with a
critical alert: an operator must explain it before the system trades again.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from domain import EventSeverity, OrderSide, TradingStateRecord, TradingStatus
from tools.alerts.dispatcher import AlertDispatcher
from tools.alerts.model import Alert
from tools.brokers.base import Broker, BrokerError
from tools.clock import Clock
from tools.persistence.schema import OrderIntentRow, OrderRow
from tools.persistence.sql_ledger import SqlLedger

__all__ = ["ReconciliationReport", "reconcile", "settle_pending"]

_TERMINAL = ("filled", "canceled", "rejected", "expired")


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


def _pending_ids(ledger: SqlLedger) -> list[str]:
    with ledger.store.sessions() as session:
        no_order = session.scalars(
            select(OrderIntentRow.client_order_id)
            .outerjoin(OrderRow, OrderRow.client_order_id == OrderIntentRow.client_order_id)
            .where(OrderRow.client_order_id.is_(None))
        ).all()
        open_orders = session.scalars(
            select(OrderRow.client_order_id).where(OrderRow.status.not_in(_TERMINAL))
        ).all()
    return sorted(set(no_order) | set(open_orders))


def _ledger_positions(ledger: SqlLedger) -> dict[str, Decimal]:
    held: dict[str, Decimal] = defaultdict(Decimal)
    with ledger.store.sessions() as session:
        for ticker, side, filled in session.execute(
            select(OrderRow.ticker, OrderRow.side, OrderRow.filled_qty)
        ):
            held[ticker] += filled if side == OrderSide.BUY.value else -filled
    return {t: q for t, q in held.items() if q != 0}


def settle_pending(broker: Broker, ledger: SqlLedger) -> tuple[list[str], list[str], list[str]]:
    """Record the broker's current view of every intent without an order and every working order.

    This is how partial fills, late fills and cancels reach the ledger. Returns (settled,
    never_sent, differences).
    """
    settled: list[str] = []
    never_sent: list[str] = []
    differences: list[str] = []
    for cid in _pending_ids(ledger):
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
        ledger.record_order(order)
        settled.append(cid)
    return settled, never_sent, differences


def reconcile(
    *, broker: Broker, ledger: SqlLedger, clock: Clock, alerts: AlertDispatcher | None = None
) -> ReconciliationReport:
    settled, never_sent, differences = settle_pending(broker, ledger)
    try:
        broker_positions = {s: p.qty for s, p in broker.portfolio().positions.items() if p.qty != 0}
        known = {o.client_order_id for o in ledger.open_orders()}
        strangers = [o for o in broker.open_orders() if o.client_order_id not in known]
    except BrokerError as exc:
        broker_positions, strangers = {}, []
        differences.append(f"broker unreadable: {exc}")
    expected = _ledger_positions(ledger)
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
