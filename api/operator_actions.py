"""Operator actions as plain functions over an open engine, for the CLI and the HTTP API alike.

Why here: ``hedgegraph halt`` and ``POST /api/v1/trading/halt`` must take the same locks and the
same emergency stop; ``monitor-once`` and ``POST /api/v1/monitor/once`` must run the same pass and
report it in the same shape. A face only renders what these return.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from api.operator_view import DailyLossLevel, Number, OperatorView

if TYPE_CHECKING:
    from graph.engine import TradingEngine
    from graph.monitor.operator import HaltResult

__all__ = ["DailyLossLevel", "MonitorExitView", "MonitorPassView", "halt_account", "monitor_pass"]


class MonitorExitView(OperatorView):
    """One exit the pass sent down the execution road (or tried to)."""

    reason: str
    symbol: str
    qty: Number
    order_status: str | None
    error: str | None
    """Why no order is working (``None`` when one is)."""


class MonitorPassView(OperatorView):
    daily_loss: DailyLossLevel
    exits: list[MonitorExitView]
    emergency_stop: bool
    """The daily-loss limit was breached: the emergency stop ran."""
    skipped: list[str]


def halt_account(engine: TradingEngine, *, reason: str) -> HaltResult:
    """The idempotent emergency stop, waiting for a submission in flight in any process."""
    from graph.checkpoints.locks import thread_locks_from_settings
    from graph.monitor import operator

    return operator.halt(
        reason=reason,
        broker=engine.broker,
        ledger=engine.ledger,
        limits=engine.settings.risk,
        clock=engine.clock,
        alerts=engine.alerts,
        locks=thread_locks_from_settings(engine.settings),
    )


def monitor_pass(engine: TradingEngine) -> MonitorPassView:
    """One position-monitor pass (stops, targets, the daily-loss guard) under the account lock."""
    from graph.checkpoints.locks import thread_locks_from_settings
    from graph.monitor.monitor import PositionMonitor

    monitor = PositionMonitor(
        broker=engine.broker,
        ledger=engine.ledger,
        limits=engine.settings.risk,
        clock=engine.clock,
        alerts=engine.alerts,
        locks=thread_locks_from_settings(engine.settings),  # the account lock, all processes
    )
    report = monitor.run_once()
    return MonitorPassView(
        daily_loss=DailyLossLevel.of(report.loss),
        exits=[
            MonitorExitView(
                reason=o.signal.reason.value,
                symbol=o.signal.symbol,
                qty=o.signal.qty,
                order_status=o.order.status.value if o.order else None,
                error=None if o.order else str(o.error),
            )
            for o in report.exits
        ],
        emergency_stop=report.emergency is not None,
        skipped=[str(s) for s in report.skipped],
    )
