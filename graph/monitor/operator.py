"""Operator actions on the trading state, shared by the CLI and the HTTP API.

Why one module: ``hedgegraph halt`` and ``POST /trading/halt`` must do exactly the same thing (the
idempotent emergency stop), and ``resume`` must reconcile before it re-enables trading, whichever
door the operator used. Results are typed models so both doors render the same facts.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from config.settings import RiskParameters
from domain import TradingStateRecord, TradingStatus
from domain._base import DomainModel
from graph.checkpoints.locks import ThreadLocks
from graph.execution.in_flight import working_by_client_id
from graph.monitor.emergency import emergency_stop
from graph.monitor.loss_guard import daily_loss_status
from graph.monitor.reconcile import reconcile
from graph.risk.memory import RiskMemory
from tools.alerts.dispatcher import AlertDispatcher
from tools.brokers.base import Broker, BrokerError
from tools.clock import Clock
from tools.persistence.sql_ledger import SqlLedger

__all__ = [
    "HaltResult",
    "ResumeResult",
    "TradingStatusView",
    "halt",
    "reduce_only",
    "resume",
    "trading_status",
]


class HaltResult(DomainModel):
    status: TradingStatus
    already_halted: bool
    cancelled: tuple[str, ...] = ()
    exits: tuple[dict[str, str | None], ...] = ()
    errors: tuple[str, ...] = ()
    flat: bool


class ResumeResult(DomainModel):
    status: TradingStatus
    changed: bool
    settled: tuple[str, ...] = ()
    differences: tuple[str, ...] = ()


class TradingStatusView(DomainModel):
    status: TradingStatus
    reason: str
    changed_at: datetime | None
    broker: str
    equity: str | None = None
    cash: str | None = None
    positions: dict[str, str] = Field(default_factory=dict)
    open_orders: tuple[str, ...] = ()
    session_baseline: str | None = None
    high_water_mark: str | None = None
    daily_loss: str | None = None
    broker_error: str | None = None


def halt(
    *,
    reason: str,
    broker: Broker,
    ledger: SqlLedger,
    limits: RiskParameters,
    clock: Clock,
    alerts: AlertDispatcher | None = None,
    locks: ThreadLocks | None = None,
) -> HaltResult:
    """The emergency stop (idempotent): HALTED, cancel working orders, flatten via the road.

    Pass the process's ``locks`` (``thread_locks_from_settings``) so the halt waits for a
    submission in flight in another process instead of racing it.
    """
    report = emergency_stop(
        reason=reason,
        broker=broker,
        ledger=ledger,
        limits=limits,
        clock=clock,
        alerts=alerts,
        locks=locks,
    )
    return HaltResult(
        status=ledger.trading_state().status,
        already_halted=report.already_halted,
        cancelled=report.cancelled,
        exits=tuple(
            {
                "symbol": o.signal.symbol,
                "qty": str(o.signal.qty),
                "order": o.order.client_order_id if o.placed and o.order else None,
                "error": o.error,
            }
            for o in report.exits
        ),
        errors=report.errors,
        flat=report.flat,
    )


def reduce_only(*, reason: str, ledger: SqlLedger, clock: Clock) -> TradingStateRecord:
    """REDUCING: entries stop, exits continue, nothing is cancelled. A HALTED state is kept."""
    current = ledger.trading_state()
    if current.status is TradingStatus.HALTED:
        return current
    record = TradingStateRecord(
        status=TradingStatus.REDUCING, reason=reason, changed_at=clock.now()
    )
    ledger.set_trading_state(record)
    return record


def resume(
    *,
    reason: str,
    broker: Broker,
    ledger: SqlLedger,
    clock: Clock,
    alerts: AlertDispatcher | None = None,
) -> ResumeResult:
    """Back to ACTIVE only after a clean reconciliation; otherwise stays HALTED and says why."""
    if ledger.trading_state().status is TradingStatus.ACTIVE:
        return ResumeResult(status=TradingStatus.ACTIVE, changed=False)
    report = reconcile(broker=broker, ledger=ledger, clock=clock, alerts=alerts)
    if not report.clean:
        return ResumeResult(
            status=ledger.trading_state().status, changed=False, differences=report.differences
        )
    ledger.set_trading_state(
        TradingStateRecord(status=TradingStatus.ACTIVE, reason=reason, changed_at=clock.now())
    )
    return ResumeResult(status=TradingStatus.ACTIVE, changed=True, settled=report.settled)


def trading_status(
    *, broker: Broker, ledger: SqlLedger, limits: RiskParameters, clock: Clock
) -> TradingStatusView:
    """Read-only: the state, the account and the daily-loss position (records nothing).

    Open orders are the broker's list plus every order the ledger says may still fill that the
    list left out (listing lag, paging), looked up by client id.
    """
    state = ledger.trading_state()
    base = {
        "status": state.status,
        "reason": state.reason,
        "changed_at": state.changed_at,
        "broker": broker.name,
    }
    try:
        pf = broker.portfolio()
        listed = [o.client_order_id for o in broker.open_orders()]
    except BrokerError as exc:
        return TradingStatusView(**base, broker_error=str(exc))
    lookup_errors: list[str] = []
    unlisted = working_by_client_id(
        broker, ledger, already_listed=listed, errors=lookup_errors, record=False
    )
    open_orders = (*listed, *(o.client_order_id for o in unlisted))
    baseline, hwm = RiskMemory(ledger).current(clock.now())
    loss = daily_loss_status(pf.equity, baseline, limits)
    return TradingStatusView(
        **base,
        equity=str(pf.equity),
        cash=str(pf.cash),
        positions={s: str(p.qty) for s, p in sorted(pf.positions.items())},
        open_orders=open_orders,
        session_baseline=str(baseline) if baseline is not None else None,
        high_water_mark=str(hwm) if hwm is not None else None,
        daily_loss=f"{loss.loss_pct:.4%} of {loss.limit_pct:.2%} ({loss.level.value})",
        broker_error="; ".join(lookup_errors) or None,
    )
