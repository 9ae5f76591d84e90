"""The ``hedgegraph`` command line: run a cycle, approve or reject a supervised one.

Every command validates configuration first and exits with status 2 and the offending key on a
bad value, before touching the broker.
"""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.console import Console

from api.cli_render import render_cycle
from api.db_cli import db_app
from api.trading_commands import register as register_trading_commands
from config.settings import ConfigError, Settings, load_settings
from domain import ApprovalVerdict
from graph.assembly import build_context
from graph.checkpoints.factory import CheckpointSchemaBehindError, aopen_checkpointer
from graph.context import TradingContext
from graph.modes import WorkflowMode
from graph.monitor.reconcile import reconcile
from graph.runner import CycleResult, ProgressCallback, ThreadNotFoundError, aapprove, arun_cycle
from graph.startup import verify_schemas
from tools.alerts.factory import AlertConfigError, dispatcher_from_env
from tools.clock import Clock, FixedClock, SystemClock
from tools.persistence.migrate import SchemaBehindError
from tools.persistence.sql_ledger import SqlLedger

__all__ = ["app"]

app = typer.Typer(
    name="hedgegraph",
    help="Autonomous, auditable trading cycles on LangGraph with a deterministic risk gate.",
    no_args_is_help=True,
    add_completion=False,
)


def _settings() -> Settings:
    """Validated settings, with the store and checkpoint schemas verified current."""
    try:
        settings = load_settings()
    except ConfigError as exc:
        Console(stderr=True).print(f"[red]configuration error[/]\n{exc}")
        raise typer.Exit(code=2) from None
    try:
        verify_schemas(settings)
    except (SchemaBehindError, CheckpointSchemaBehindError) as exc:
        Console(stderr=True).print(f"[red]database schema is behind[/]\n{exc}")
        raise typer.Exit(code=2) from None
    return settings


def _progress(console: Console) -> ProgressCallback:
    def report(node: str, update: dict[str, Any]) -> None:
        console.print(f"[dim]✓ {node}[/]")

    return report


def _context(settings: Settings, clock: Clock) -> TradingContext:
    """The runtime context, reconciled with the broker before anything trades.

    Start-up reconciliation settles what a crash left pending and compares the ledger with the
    broker; an unexplained difference sets HALTED (with an alert), so this cycle can still exit
    positions but opens none until an operator runs ``hedgegraph resume-trading``.
    """
    err = Console(stderr=True)
    try:
        context = build_context(settings, clock=clock)
        alerts = dispatcher_from_env(os.environ, clock=clock)
    except (ConfigError, AlertConfigError) as exc:
        err.print(f"[red]configuration error[/]\n{exc}")
        raise typer.Exit(code=2) from None
    if isinstance(context.ledger, SqlLedger):
        report = reconcile(broker=context.broker, ledger=context.ledger, clock=clock, alerts=alerts)
        if not report.clean:
            err.print("[red]reconciliation found differences; trading is HALTED[/]")
            for line in report.differences:
                err.print(f"  {line}")
    return context


def _clock(settings: Settings, as_of: datetime | None) -> Clock:
    """The wall clock, or a fixed replay time: allowed only against the local paper broker."""
    if as_of is None:
        return SystemClock()
    if settings.broker != "paper":
        Console(stderr=True).print(
            "[red]--as-of replays history and is refused with BROKER=alpaca[/]"
        )
        raise typer.Exit(code=2)
    return FixedClock(as_of if as_of.tzinfo else as_of.replace(tzinfo=UTC))


AsOfOption = Annotated[
    datetime | None,
    typer.Option(
        "--as-of",
        formats=["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"],
        help="Replay at this time (UTC unless an offset is given); paper broker only.",
    ),
]


def _finish(go: Callable[[], Coroutine[Any, Any, CycleResult]], thread_id: str) -> CycleResult:
    """Run the cycle; a failure is reported with the way back in (its checkpoint is kept)."""
    try:
        return asyncio.run(go())
    except ThreadNotFoundError as exc:
        Console(stderr=True).print(f"[red]{exc}[/]")
        raise typer.Exit(code=1) from None
    except Exception as exc:
        Console(stderr=True).print(
            f"[red]cycle {thread_id} stopped: {type(exc).__name__}: {exc}[/]\n"
            f"Its progress is checkpointed; fix the cause and run "
            f"`hedgegraph run --thread {thread_id}` to resume."
        )
        raise typer.Exit(code=1) from None


def _emit(result: CycleResult, as_json: bool) -> None:
    if as_json:
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")
    else:
        render_cycle(result, Console())


@app.command()
def run(
    tickers: Annotated[
        str | None, typer.Option(help="Comma-separated tickers; default: the configured universe.")
    ] = None,
    mode: Annotated[
        WorkflowMode | None, typer.Option(help="Workflow mode; default: WORKFLOW_MODE.")
    ] = None,
    session: Annotated[
        str | None, typer.Option(help="autonomous or supervised; default: TRADING_SESSION_MODE.")
    ] = None,
    thread: Annotated[
        str | None, typer.Option(help="Thread id; an existing thread resumes from its checkpoint.")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON document instead of the table.")
    ] = False,
    as_of: AsOfOption = None,
    analysts: Annotated[
        str | None,
        typer.Option(help="Comma-separated analyst names, or 'all'; default: ANALYSTS."),
    ] = None,
) -> None:
    """Run one trading cycle (or resume THREAD): signals, decisions, gate verdicts, orders."""
    settings = _settings()
    if session is not None and session not in ("autonomous", "supervised"):
        raise typer.BadParameter("must be autonomous or supervised", param_hint="--session")
    thread_id = thread or f"cycle-{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    chosen = tickers.split(",") if tickers else list(settings.universe)
    if analysts:
        settings = settings.model_copy(update={"analysts": analysts.split(",")})
    context = _context(settings, _clock(settings, as_of))
    progress = Console(stderr=True)

    async def go() -> CycleResult:
        async with aopen_checkpointer(settings.effective_checkpoint_url) as saver:
            return await arun_cycle(
                context,
                saver,
                thread_id=thread_id,
                tickers=chosen,
                mode=mode or settings.workflow_mode,
                session_mode=session or settings.trading_session_mode,
                on_progress=_progress(progress),
            )

    _emit(_finish(go, thread_id), as_json)


@app.command()
def approve(
    thread: Annotated[str, typer.Option(help="The supervised thread waiting for approval.")],
    reject: Annotated[bool, typer.Option("--reject", help="Reject instead of approve.")] = False,
    note: Annotated[str, typer.Option(help="Free-text note stored with the verdict.")] = "",
    approver: Annotated[str, typer.Option(help="Who decided.")] = "operator",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
    as_of: AsOfOption = None,
) -> None:
    """Approve (or --reject) the orders a supervised cycle is waiting on, then finish the cycle.

    The orders go back through the risk gate first: a decision that has expired since it was
    proposed, or that a halt now forbids, is vetoed rather than executed.
    """
    settings = _settings()
    context = _context(settings, _clock(settings, as_of))
    verdict = ApprovalVerdict(approved=not reject, approver=approver, note=note)

    async def go() -> CycleResult:
        async with aopen_checkpointer(settings.effective_checkpoint_url) as saver:
            return await aapprove(
                context,
                saver,
                thread_id=thread,
                verdict=verdict,
                on_progress=_progress(Console(stderr=True)),
            )

    _emit(_finish(go, thread), as_json)


# Operator commands after the cycle commands, so `--help` lists run and approve first.
register_trading_commands(app)
app.add_typer(db_app, name="db")


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover - `python -m api.cli`
    main()
