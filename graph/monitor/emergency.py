"""The emergency stop: HALTED first, cancel working orders, close every position, alert.

Idempotent: the state is set before anything else (so nothing new starts while we work), our own
working exit orders are never cancelled by a rerun and are counted against the position, and an
account that is already flat yields a no-op report.

Then, under the account lock (so a submission already in flight finishes first, and its next
attempt sees HALTED and refuses), every working order is cancelled: the broker's open-order list
and also every order the ledger says may still fill (non-terminal orders, intents with no settled
order), looked up by client id. Exits go down the execution road: each attempt has its own id, so
a second halt with the same size on the same day sends a new exit, and an exit the broker cancels
or rejects is tried again instead of counting as done. If the lock cannot be had in time the stop
proceeds without it rather than leave positions open.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from config.settings import RiskParameters
from domain import (
    EventSeverity,
    ExitReason,
    ExitSignal,
    Order,
    PortfolioSnapshot,
    TradingStateRecord,
    TradingStatus,
    closing_side,
)
from graph.checkpoints.locks import InProcessThreadLocks, ThreadLocks
from graph.execution.in_flight import working_by_client_id
from graph.execution.road import ExecutionRoad
from graph.monitor.exit_path import ExitOutcome, exit_through_road
from tools.alerts.dispatcher import AlertDispatcher
from tools.alerts.model import Alert
from tools.brokers.base import Broker, BrokerError
from tools.clock import Clock
from tools.persistence.ledger import Ledger

__all__ = ["EMERGENCY_THREAD", "EmergencyStopReport", "emergency_stop"]

EMERGENCY_THREAD = "emergency-stop"


@dataclass(frozen=True, slots=True)
class EmergencyStopReport:
    reason: str
    already_halted: bool
    cancelled: tuple[str, ...] = ()
    exits: tuple[ExitOutcome, ...] = ()
    errors: tuple[str, ...] = field(default_factory=tuple)

    @property
    def flat(self) -> bool:
        """True when every exit is working or filled (errors mean the operator must look)."""
        return not self.errors and all(o.placed for o in self.exits)


def emergency_stop(
    *,
    reason: str,
    broker: Broker,
    ledger: Ledger,
    limits: RiskParameters,
    clock: Clock,
    alerts: AlertDispatcher | None = None,
    locks: ThreadLocks | None = None,
) -> EmergencyStopReport:
    now = clock.now()
    previous = ledger.trading_state()
    already = previous.status is TradingStatus.HALTED
    state = (
        previous
        if already
        else TradingStateRecord(status=TradingStatus.HALTED, reason=reason, changed_at=now)
    )
    ledger.set_trading_state(state)  # first: nothing new may start while we unwind
    road = ExecutionRoad(
        broker=broker,
        ledger=ledger,
        limits=limits,
        clock=clock,
        locks=locks if locks is not None else InProcessThreadLocks(),
        alerts=alerts,
    )
    errors: list[str] = []
    exits: list[ExitOutcome] = []
    with road.account(proceed_unlocked=True) as desk:
        if desk.lock_note:
            errors.append(desk.lock_note)
        ours = {i.client_order_id for i in ledger.intents_for_thread(EMERGENCY_THREAD)}
        try:
            working = broker.open_orders()
        except BrokerError as exc:
            working = []
            errors.append(f"listing open orders failed: {exc}")
        working += working_by_client_id(
            broker, ledger, already_listed=[o.client_order_id for o in working], errors=errors
        )
        cancelled = _cancel_all_but_ours(broker, working, ours, errors)
        remaining = [o for o in working if o.client_order_id in ours]
        try:
            portfolio = broker.portfolio()
            exits = exit_through_road(
                _uncovered_exits(portfolio, remaining),
                desk=desk,
                thread_id=EMERGENCY_THREAD,
                now=now,
            )
            errors += [f"exit {o.signal.symbol}: {o.error}" for o in exits if o.error]
        except BrokerError as exc:
            errors.append(f"reading positions failed: {exc}")
    report = EmergencyStopReport(reason, already, tuple(cancelled), tuple(exits), tuple(errors))
    if alerts is not None and not (already and not cancelled and not exits):
        alerts.send(_alert(report, now))
    return report


def _cancel_all_but_ours(
    broker: Broker, working: list[Order], ours: set[str], errors: list[str]
) -> list[str]:
    """Cancel every working order except our own emergency exits (a rerun must not undo them)."""
    cancelled = []
    for order in working:
        if order.client_order_id in ours:
            continue
        try:
            broker.cancel_order(order.broker_order_id)
            cancelled.append(order.client_order_id)
        except BrokerError as exc:
            errors.append(f"cancel {order.client_order_id} failed: {exc}")
    return cancelled


def _uncovered_exits(
    portfolio: PortfolioSnapshot, in_flight_orders: list[Order]
) -> list[ExitSignal]:
    """One exit per position for the part our working emergency exits do not already cover."""
    in_flight: dict[str, Decimal] = {}
    for o in in_flight_orders:
        in_flight[o.ticker] = in_flight.get(o.ticker, Decimal(0)) + o.qty - o.filled_qty
    return [
        ExitSignal(
            symbol=p.symbol,
            side=closing_side(p.qty),
            qty=abs(p.qty) - in_flight.get(p.symbol, Decimal(0)),
            reason=ExitReason.EMERGENCY_STOP,
            price=p.market_price or p.avg_entry_price,
            level=None,
        )
        for p in portfolio.positions.values()
        if abs(p.qty) > in_flight.get(p.symbol, Decimal(0))
    ]


def _alert(report: EmergencyStopReport, now: datetime) -> Alert:
    closed = (
        ", ".join(f"{o.signal.symbol} {o.signal.qty}" for o in report.exits if o.placed) or "none"
    )
    message = (
        f"Emergency stop: {report.reason}. Trading is HALTED. Cancelled {len(report.cancelled)} "
        f"order(s); exits sent: {closed}."
    )
    if report.errors:
        message += " Needs attention: " + "; ".join(report.errors)
    return Alert(
        severity=EventSeverity.CRITICAL,
        title="emergency stop",
        message=message,
        at=now,
        key=f"emergency-stop:{report.reason}",
        context={"cancelled": str(len(report.cancelled)), "exits": str(len(report.exits))},
    )
