"""The position monitor: one pass over the account, run on a schedule.

Each pass: read the account; advance the persisted session baseline and high-water mark; at 100 %
of the daily-loss limit run the emergency stop; at the warning fraction alert once per session;
otherwise close positions that crossed their stop-loss or take-profit down the execution road
(under the account lock, each exit with its decision-audit row). Positions whose exit is already
working at the broker are left to that order (broker-side legs are preferred); closed positions
are never touched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Protocol, runtime_checkable

from config.settings import RiskParameters
from domain import (
    EventSeverity,
    Order,
    OrderSide,
    OrderType,
    PortfolioSnapshot,
    Position,
    TradingStateRecord,
    TradingStatus,
    closing_side,
)
from graph.checkpoints.locks import InProcessThreadLocks, ThreadLocks
from graph.execution.road import AccountDesk, ExecutionRoad
from graph.monitor.emergency import EmergencyStopReport, emergency_stop
from graph.monitor.entry_levels import entry_levels
from graph.monitor.exit_path import ExitOutcome, exit_through_road
from graph.monitor.levels import (
    ExitReason,
    ExitSignal,
    ProtectiveLevels,
    effective_levels,
    position_exits,
)
from graph.monitor.loss_guard import LossLevel, LossStatus, daily_loss_status
from graph.monitor.reconcile import settle_pending
from graph.risk.memory import RiskMemory, session_date
from tools.alerts.dispatcher import AlertDispatcher
from tools.alerts.model import Alert
from tools.brokers.base import Broker
from tools.clock import Clock
from tools.persistence.sql_ledger import SqlLedger

__all__ = ["MONITOR_THREAD", "MonitorReport", "PositionMonitor"]

MONITOR_THREAD = "position-monitor"


@runtime_checkable
class SimulatedExchange(Protocol):
    """A broker that is its own exchange (the local paper broker): resting orders fill only when
    someone works them against the current price, so each monitor pass does."""

    def work_open_orders(self) -> list[Order]: ...


@dataclass(frozen=True, slots=True)
class MonitorReport:
    loss: LossStatus
    exits: tuple[ExitOutcome, ...] = ()
    emergency: EmergencyStopReport | None = None
    skipped: tuple[str, ...] = field(default_factory=tuple)
    """Symbols left alone, with why (exit already working, no market price)."""
    restored_stops: tuple[ExitOutcome, ...] = ()
    """Broker-side stops placed for positions that had none."""


class PositionMonitor:
    def __init__(
        self,
        *,
        broker: Broker,
        ledger: SqlLedger,
        limits: RiskParameters,
        clock: Clock,
        alerts: AlertDispatcher | None = None,
        locks: ThreadLocks | None = None,
    ) -> None:
        self._broker = broker
        self._ledger = ledger
        self._limits = limits
        self._clock = clock
        self._alerts = alerts
        self._locks = locks if locks is not None else InProcessThreadLocks()
        self._memory = RiskMemory(ledger)
        self._road = ExecutionRoad(
            broker=broker,
            ledger=ledger,
            limits=limits,
            clock=clock,
            locks=self._locks,
            alerts=alerts,
        )

    def run_once(self) -> MonitorReport:
        now = self._clock.now()
        portfolio = self._broker.portfolio()
        baseline, hwm = self._memory.observe_account(portfolio, now)
        loss = daily_loss_status(portfolio.equity, baseline, self._limits)
        self._guard_drawdown(portfolio.equity, hwm)
        if loss.level is LossLevel.BREACHED:
            report = emergency_stop(
                reason=f"daily loss {loss.loss_pct:.2%} reached the {loss.limit_pct:.2%} limit",
                broker=self._broker,
                ledger=self._ledger,
                limits=self._limits,
                clock=self._clock,
                alerts=self._alerts,
                locks=self._locks,
            )
            return MonitorReport(loss=loss, emergency=report)
        if loss.level is LossLevel.WARNING:
            self._alert(
                EventSeverity.WARNING,
                "daily loss warning",
                f"daily loss {loss.loss_pct:.2%} of a {loss.limit_pct:.2%} limit",
                key=f"daily-loss-warning:{session_date(now)}",
            )
        if isinstance(self._broker, SimulatedExchange):  # the local paper broker fills itself
            self._broker.work_open_orders()
            portfolio = self._broker.portfolio()
        settle_pending(self._broker, self._ledger)  # partial fills, late fills, cancels
        with self._road.account() as desk:
            return self._exit_pass(desk, loss, now)

    def _exit_pass(self, desk: AccountDesk, loss: LossStatus, now: datetime) -> MonitorReport:
        """Stops, targets and restored stops, with the account lock held."""
        portfolio = self._broker.portfolio()
        levels = entry_levels(self._ledger, portfolio.positions)
        signals = position_exits(portfolio.positions, levels, self._limits)
        working = self._release_stops_for_targets(signals, self._broker.open_orders())
        exiting = {o.ticker for o in working if self._is_exit(o.ticker, o.side, portfolio)}
        skipped = [f"{s.symbol}: exit already working" for s in signals if s.symbol in exiting]
        skipped += [
            f"{p.symbol}: no market price"
            for p in portfolio.positions.values()
            if p.market_price is None
        ]
        todo = [s for s in signals if s.symbol not in exiting]
        outcomes = exit_through_road(todo, desk=desk, thread_id=MONITOR_THREAD, now=now)
        for o in outcomes:
            severity = EventSeverity.INFO if o.placed else EventSeverity.ERROR
            self._alert(
                severity,
                f"{o.signal.reason.value} {o.signal.symbol}",
                f"{o.signal.symbol} at {o.signal.price} crossed {o.signal.level}: "
                + (
                    f"exit {o.order.client_order_id} sent"
                    if o.placed and o.order
                    else f"exit failed: {o.error}"
                ),
                key=f"{o.signal.reason.value}:{o.signal.symbol}:{session_date(now)}",
            )
        unguarded = [
            p
            for p in portfolio.positions.values()
            if p.qty != 0 and p.symbol not in exiting and p.symbol not in {s.symbol for s in todo}
        ]
        stops = self._restore_stops(unguarded, levels, desk, now)
        return MonitorReport(
            loss=loss, exits=tuple(outcomes), skipped=tuple(skipped), restored_stops=tuple(stops)
        )

    def _guard_drawdown(self, equity: Decimal, hwm: Decimal) -> None:
        """Past max_drawdown_pct from the high-water mark, ACTIVE becomes REDUCING (exits only)."""
        floor = hwm * (1 - Decimal(str(self._limits.max_drawdown_pct)))
        state = self._ledger.trading_state()
        if equity > floor or state.status is not TradingStatus.ACTIVE:
            return
        reason = f"drawdown: equity {equity} at or below {floor:.2f} (high-water mark {hwm})"
        self._ledger.set_trading_state(
            TradingStateRecord(
                status=TradingStatus.REDUCING, reason=reason, changed_at=self._clock.now()
            )
        )
        self._alert(EventSeverity.CRITICAL, "max drawdown: reducing only", reason, key=reason)

    def _our_stops(self) -> set[str]:
        return {
            i.client_order_id
            for i in self._ledger.intents_for_thread(MONITOR_THREAD)
            if i.order_type is OrderType.STOP
        }

    def _release_stops_for_targets(
        self, signals: list[ExitSignal], working: list[Order]
    ) -> list[Order]:
        """A take-profit replaces our resting protective stop: cancel it, then exit at market.

        Without this the stop would keep the position "guarded" and the target would never be
        taken; and if both were live, the stop could later sell a position that is gone.
        """
        targets = {s.symbol for s in signals if s.reason is ExitReason.TAKE_PROFIT}
        ours = self._our_stops() if targets else set()
        keep = []
        for order in working:
            if order.ticker in targets and order.client_order_id in ours:
                self._broker.cancel_order(order.broker_order_id)
                still = self._broker.get_order_by_client_id(order.client_order_id)
                if still is not None and not still.status.is_terminal:
                    keep.append(still)
                elif still is not None:
                    self._ledger.record_order(still)
                continue
            keep.append(order)
        return keep

    def _restore_stops(
        self,
        positions: list[Position],
        levels: dict[str, ProtectiveLevels],
        desk: AccountDesk,
        now: datetime,
    ) -> list[ExitOutcome]:
        """Rest a broker-side stop for every open position that has no exit working."""
        signals = []
        for p in positions:
            stop = effective_levels(p, levels.get(p.symbol), self._limits).stop_loss
            if stop is None or p.market_price is None:
                continue
            signals.append(
                ExitSignal(
                    p.symbol,
                    closing_side(p.qty),
                    abs(p.qty),
                    ExitReason.PROTECTIVE_STOP,
                    p.market_price,
                    stop,
                )
            )
        return exit_through_road(signals, desk=desk, thread_id=MONITOR_THREAD, now=now)

    @staticmethod
    def _is_exit(symbol: str, side: OrderSide, portfolio: PortfolioSnapshot) -> bool:
        held = portfolio.position_qty(symbol)
        return held != 0 and side is closing_side(held)

    def _alert(self, severity: EventSeverity, title: str, message: str, *, key: str) -> None:
        if self._alerts is None:
            return
        self._alerts.send(
            Alert(severity=severity, title=title, message=message, at=self._clock.now(), key=key)
        )
