"""The ``hedgegraph`` command line: run a cycle, approve or reject a supervised one, operate.

Every command validates configuration first and exits with status 2 and the offending key on a
bad value, before touching the broker; a start-up failure (a database that cannot be opened, an
unwritable home, a garbage URL) is one clear message with status 2, never a traceback. Exit
statuses are listed in ``api.exit_codes``. Heavy imports (LangGraph, LLM clients, pandas, the
checkpointers, alpaca) happen inside the commands that need them, so ``--help`` and the operator
commands start fast.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from api import startup_gc
from api.alert_commands import alerts_app
from api.backtest_command import register as register_backtest_command
from api.cli_context import AsOfOption, account_settings, load_cli_settings, replay_clock
from api.db_cli import db_app
from api.exit_codes import ExitCode
from api.replays import remember_thread
from api.research_command import register as register_research_command
from api.scheduler_command import register as register_scheduler_command
from api.serve_command import register as register_serve_command
from api.startup_errors import fail, is_startup_failure, startup_guard
from api.trading_commands import register as register_trading_commands
from api.view_commands import register as register_view_commands
from api.watchlist_commands import watchlist_app

if TYPE_CHECKING:
    from api.account_view import AccountView
    from config.settings import Settings
    from domain.cycle_events import CycleEvent
    from graph.engine import TradingEngine
    from graph.runner import CycleResult
    from tools.clock import Clock

__all__ = ["app"]

app = typer.Typer(
    name="hedgegraph",
    help="Autonomous, auditable trading cycles on LangGraph with a deterministic risk gate.",
    no_args_is_help=True,
    add_completion=False,
)


class Mode(StrEnum):
    """The workflow modes (mirrors ``graph.modes.WorkflowMode`` without importing the graph)."""

    SIGNAL = "signal"
    RESEARCH = "research"
    PRE_RESEARCH = "pre_research"
    POST_RESEARCH = "post_research"
    FULL = "full"


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"hedgegraph {version('hedgegraph')}")
        except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
            typer.echo("hedgegraph (not installed)")
        raise typer.Exit()


@app.callback()
def main_options(
    show_version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Autonomous, auditable trading cycles on LangGraph with a deterministic risk gate."""


class _Stopped(Exception):
    """The cycle failed after it started; its checkpoint is kept."""


class _Outcome:
    """What a finished command prints: the result, the account after it, the settings used."""

    def __init__(
        self, result: CycleResult, account: AccountView | None, settings: Settings
    ) -> None:
        self.result = result
        self.account = account
        self.settings = settings


Stream = Callable[["TradingEngine"], AsyncIterator["CycleEvent"]]
"""Given the open engine, the cycle's events (``astream_cycle`` or ``astream_approval``)."""


def _report_reconciliation(engine: TradingEngine) -> None:
    """Start-up reconciliation settles what a crash left pending and compares the ledger with
    the broker; an unexplained difference sets HALTED (with an alert), so this cycle can still
    exit positions but opens none until an operator runs ``hedgegraph resume-trading``."""
    report = engine.reconciliation
    if report is not None and not report.clean:
        err = Console(stderr=True)
        err.print("[red]reconciliation found differences; trading is HALTED[/]")
        for line in report.differences:
            err.print(f"  {line}")


def _account_after(engine: TradingEngine) -> AccountView | None:
    from api.account_view import account_view
    from tools.brokers.base import BrokerError

    try:
        return account_view(
            broker=engine.broker,
            ledger=engine.ledger,
            limits=engine.settings.risk,
            clock=engine.clock,
        )
    except BrokerError as exc:
        Console(stderr=True).print(f"[yellow]account unavailable after the cycle: {exc}[/]")
        return None


def _replay_of(settings: Settings) -> str | None:
    home = settings.hedgegraph_home
    return home.name if home.parent.name == "replays" else None


async def _drive(settings: Settings, clock: Clock, stream: Stream, thread_id: str) -> _Outcome:
    """Open the engine (a failure there is a start-up failure), stream the cycle live, and read
    the finished thread's result back."""
    from api.cli_progress import LiveProgress, run_header
    from graph.engine import TradingEngine
    from graph.runner import (
        RequestMismatchError,
        ThreadNotFoundError,
        UnrevivableRequestError,
        arun_cycle,
    )

    live = LiveProgress(Console(stderr=True))
    try:
        async with TradingEngine.open(settings, purpose="cycle", clock=clock) as engine:
            # What start-up built (modules, settings, the engine) lives as long as the process;
            # frozen, a full collection during the cycle no longer walks it (about 0.2 s), and
            # the collector paused for start-up runs again (api/startup_gc.py).
            startup_gc.resume()
            _report_reconciliation(engine)
            live.header(run_header(settings, replay=_replay_of(settings)))
            try:
                async for event in stream(engine):
                    live(event)
                # The stream ends with FINISHED; a finished (or waiting) thread only reports.
                result = await arun_cycle(engine, thread_id=thread_id)
            except (ThreadNotFoundError, RequestMismatchError, UnrevivableRequestError):
                raise
            except Exception as exc:
                raise _Stopped() from exc
            finally:
                live.stop()
            return _Outcome(result, _account_after(engine), engine.settings)
    finally:
        live.stop()


def _finish(go: Callable[[], Coroutine[Any, Any, _Outcome]], thread_id: str) -> _Outcome:
    """Run the cycle. Start-up failures exit 2; a failure mid-cycle exits 4 with the way back."""
    import asyncio

    from graph.engine import EngineStartupError
    from graph.runner import RequestMismatchError, ThreadNotFoundError, UnrevivableRequestError

    try:
        return asyncio.run(go())
    except (ThreadNotFoundError, UnrevivableRequestError) as exc:
        fail(str(exc), code=ExitCode.INCOMPLETE)
    except RequestMismatchError as exc:
        fail(str(exc))
    except EngineStartupError as exc:
        fail("start-up failed", str(exc))
    except _Stopped as stopped:
        cause = stopped.__cause__ or stopped
        fail(
            f"cycle {thread_id} stopped: {type(cause).__name__}: {cause}",
            "Its progress is checkpointed; fix the cause, then resume with:\n"
            f"  hedgegraph run --thread {thread_id}",
            code=ExitCode.STOPPED,
        )
    except Exception as exc:
        title = is_startup_failure(exc)
        if title is None:
            raise
        fail(title, f"{type(exc).__name__}: {exc}")


def _emit(outcome: _Outcome, as_json: bool) -> None:
    """Print the result (table or JSON) with the account after it, then exit with its status."""
    from api.cli_progress import run_header
    from api.cycle_outcome import could_not_trade

    result, account = outcome.result, outcome.account
    replay = _replay_of(outcome.settings)
    reasons = could_not_trade(result)
    if as_json:
        import json

        doc = result.model_dump(mode="json")
        doc["could_not_trade"] = [r.value for r in reasons]
        doc["replay"] = replay
        doc["account"] = account.model_dump(mode="json") if account is not None else None
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
    else:
        from api.cli_render import render_account, render_cycle

        console = Console()
        render_cycle(
            result,
            console,
            header=run_header(outcome.settings, replay=replay),
            could_not_trade=reasons,
        )
        if account is not None:
            render_account(account, console)
    if reasons:
        raise typer.Exit(code=int(ExitCode.COULD_NOT_TRADE))


def _thread_id(thread: str | None) -> str:
    import uuid

    return thread or f"cycle-{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"


@app.command()
def run(
    tickers: Annotated[
        str | None, typer.Option(help="Comma-separated tickers; default: the configured universe.")
    ] = None,
    mode: Annotated[
        Mode | None, typer.Option(help="Workflow mode; default: WORKFLOW_MODE.")
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
    settings = load_cli_settings()
    if session is not None and session not in ("autonomous", "supervised"):
        fail("--session must be autonomous or supervised")
    thread_id = _thread_id(thread)
    home = settings.hedgegraph_home
    settings, replay = account_settings(settings, as_of=as_of, thread_id=thread_id)
    if replay is not None:
        with startup_guard():
            remember_thread(home, thread_id, replay)
    chosen = [t for t in tickers.split(",") if t.strip()] if tickers else None
    if analysts:
        settings = settings.model_copy(update={"analysts": analysts.split(",")})

    def stream(engine: TradingEngine) -> AsyncIterator[CycleEvent]:
        from graph.runner import astream_cycle

        return astream_cycle(
            engine,
            thread_id=thread_id,
            tickers=chosen,
            mode=mode.value if mode else None,
            session_mode=session,
        )

    clock = replay_clock(as_of, replay)
    _emit(_finish(lambda: _drive(settings, clock, stream, thread_id), thread_id), as_json)


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
    from domain import ApprovalVerdict

    settings, replay = account_settings(load_cli_settings(), as_of=as_of, thread_id=thread)
    verdict = ApprovalVerdict(approved=not reject, approver=approver, note=note)

    def stream(engine: TradingEngine) -> AsyncIterator[CycleEvent]:
        from graph.runner import astream_approval

        return astream_approval(engine, thread_id=thread, verdict=verdict)

    clock = replay_clock(as_of, replay)
    _emit(_finish(lambda: _drive(settings, clock, stream, thread), thread), as_json)


# Operator commands after the cycle commands, so `--help` lists run and approve first.
register_trading_commands(app)
register_view_commands(app)
register_serve_command(app)
register_scheduler_command(app)
register_backtest_command(app)
register_research_command(app)
app.add_typer(db_app, name="db")
app.add_typer(alerts_app, name="alerts")
app.add_typer(watchlist_app, name="watchlist")


def main() -> None:  # pragma: no cover - console entry point
    """The ``hedgegraph`` command; collection waits until start-up is over (api/startup_gc.py)."""
    startup_gc.pause()
    app()


if __name__ == "__main__":  # pragma: no cover - `python -m api.cli`
    main()
