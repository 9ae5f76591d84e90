"""Operator commands: ``halt``, ``status``, ``resume-trading``, ``reduce-only``, ``monitor-once``.

The lead's CLI mounts them at the top level with ``register(app)``, so an operator types
``hedgegraph halt``. Every command validates configuration first (exit 2 on a bad key). ``halt`` is
idempotent and goes through the same emergency stop the position monitor uses; ``resume-trading``
reconciles with the broker first and refuses to resume while a difference is unexplained.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Annotated, Any

import typer
from rich.console import Console

from config.settings import ConfigError, Settings, load_settings
from domain import TradingStatus
from graph.assembly import build_context
from graph.context import TradingContext
from graph.monitor import operator
from graph.monitor.monitor import PositionMonitor
from tools.alerts.dispatcher import AlertDispatcher
from tools.alerts.factory import AlertConfigError, dispatcher_from_env
from tools.persistence.sql_ledger import SqlLedger

__all__ = ["app", "register"]

app = typer.Typer(name="trading", help="Trading state: halt, status, resume.", no_args_is_help=True)
_err = Console(stderr=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def _settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        _err.print(f"[red]configuration error[/]\n{exc}")
        raise typer.Exit(code=2) from None


def _parts() -> tuple[Settings, TradingContext, SqlLedger, AlertDispatcher]:
    settings = _settings()
    ctx = build_context(settings)
    if not isinstance(ctx.ledger, SqlLedger):  # pragma: no cover - assembly always builds one
        _err.print("[red]the trading commands need the SQL ledger[/]")
        raise typer.Exit(code=2)
    try:
        alerts = dispatcher_from_env(os.environ, clock=ctx.clock)
    except AlertConfigError as exc:
        _err.print(f"[red]alert configuration error[/]\n{exc}")
        raise typer.Exit(code=2) from None
    return settings, ctx, ctx.ledger, alerts


def _emit(payload: dict[str, Any], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(payload, default=str, indent=2))
        return
    console = Console()
    for key, value in payload.items():
        console.print(f"[bold]{key}[/]: {value}")


def halt(
    reason: Annotated[str, typer.Option(help="Why; recorded with the state.")] = "operator halt",
    as_json: JsonOpt = False,
) -> None:
    """Emergency stop: HALTED, cancel open orders, close every position through the gate."""
    settings, ctx, ledger, alerts = _parts()
    result = operator.halt(
        reason=reason,
        broker=ctx.broker,
        ledger=ledger,
        limits=settings.risk,
        clock=ctx.clock,
        alerts=alerts,
    )
    _emit(result.model_dump(mode="json"), as_json)
    if not result.flat:
        raise typer.Exit(code=1)


def status(as_json: JsonOpt = False) -> None:
    """Trading state, account, positions, open orders and the daily-loss position."""
    settings, ctx, ledger, _ = _parts()
    view = operator.trading_status(
        broker=ctx.broker, ledger=ledger, limits=settings.risk, clock=ctx.clock
    )
    _emit(view.model_dump(mode="json"), as_json)


def resume_trading(
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    reason: Annotated[str, typer.Option(help="Recorded with the state.")] = "resumed by operator",
    as_json: JsonOpt = False,
) -> None:
    """Back to ACTIVE, after a clean reconciliation with the broker."""
    _, ctx, ledger, alerts = _parts()
    current = ledger.trading_state()
    if current.status is not TradingStatus.ACTIVE and not yes:
        typer.confirm(f"Trading is {current.status.value} ({current.reason}). Resume?", abort=True)
    result = operator.resume(
        reason=reason, broker=ctx.broker, ledger=ledger, clock=ctx.clock, alerts=alerts
    )
    _emit(result.model_dump(mode="json"), as_json)
    if result.differences:
        raise typer.Exit(code=1)


def reduce_only(
    reason: Annotated[str, typer.Option(help="Recorded with the state.")] = "operator: reduce only",
    as_json: JsonOpt = False,
) -> None:
    """REDUCING: no new entries, exits continue (a HALTED state stays HALTED)."""
    _, ctx, ledger, _ = _parts()
    record = operator.reduce_only(reason=reason, ledger=ledger, clock=ctx.clock)
    _emit(record.model_dump(mode="json"), as_json)


def monitor_once(as_json: JsonOpt = False) -> None:
    """One position-monitor pass: stops, targets, the daily-loss guard."""
    settings, ctx, ledger, alerts = _parts()
    monitor = PositionMonitor(
        broker=ctx.broker, ledger=ledger, limits=settings.risk, clock=ctx.clock, alerts=alerts
    )
    report = monitor.run_once()
    _emit(
        {
            "daily_loss": f"{report.loss.loss_pct:.4%} ({report.loss.level.value})",
            "exits": [
                f"{o.signal.reason.value} {o.signal.symbol}: "
                + (o.order.status.value if o.order else str(o.error))
                for o in report.exits
            ],
            "emergency_stop": report.emergency is not None,
            "skipped": list(report.skipped),
        },
        as_json,
    )


_COMMANDS: dict[str, Callable[..., None]] = {
    "halt": halt,
    "status": status,
    "resume-trading": resume_trading,
    "reduce-only": reduce_only,
    "monitor-once": monitor_once,
}
for _name, _fn in _COMMANDS.items():
    app.command(_name)(_fn)


def register(cli: typer.Typer) -> None:
    """Mount the commands at the top level of ``cli`` (``hedgegraph halt``, ...)."""
    for name, fn in _COMMANDS.items():
        cli.command(name)(fn)
