"""Operator commands: ``halt``, ``status``, ``resume-trading``, ``reduce-only``, ``monitor-once``,
``adopt-broker-book``.

Mounted at the top level with ``register(app)``, so an operator types ``hedgegraph halt``. Each
validates configuration first (exit 2 on a bad key) and opens the operator engine: the broker,
the ledger and the alerts only (see ``api.cli_context.operator_engine``). ``halt`` is idempotent
and goes through the same emergency stop the position monitor uses; on a terminal it asks first
(``--yes`` skips the question), and never asks when stdin is not a terminal (cron, scripts).
``resume-trading`` reconciles with the broker first and refuses to resume while a difference is
unexplained. ``--replay AS_OF`` acts on a replay's own paper account instead of the real one.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from api.cli_context import ReplayOption, operator_engine
from api.exit_codes import ExitCode

if TYPE_CHECKING:
    from graph.engine import TradingEngine

__all__ = ["app", "register"]

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
YesOpt = Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")]


def _print_json(payload: Any) -> None:
    typer.echo(json.dumps(payload, default=str, indent=2))


def _confirm(question: str, yes: bool) -> None:
    """Ask on a terminal unless ``--yes``; never ask (and never block) when not a terminal."""
    if yes or not sys.stdin.isatty():
        return
    typer.confirm(question, abort=True)


def halt(
    reason: Annotated[str, typer.Option(help="Why; recorded with the state.")] = "operator halt",
    yes: YesOpt = False,
    as_json: JsonOpt = False,
    replay: ReplayOption = None,
) -> None:
    """Emergency stop: HALTED, cancel open orders, close every position through the gate."""
    _confirm("Halt trading, cancel every open order and close every position?", yes)
    with operator_engine(replay=replay, tolerate_missing_ledger=True) as engine:
        if engine.ledger_problem is not None:
            _halt_without_ledger(engine, reason=reason, as_json=as_json)
        _halt(engine, reason=reason, as_json=as_json)


def _halt(engine: TradingEngine, *, reason: str, as_json: bool) -> None:
    from api.operator_actions import halt_account

    result = halt_account(engine, reason=reason)  # waits for a submission in flight
    if as_json:
        _print_json(result.model_dump(mode="json"))
    else:
        from api.operator_render import render_halt

        render_halt(result, Console())
    if not result.flat:
        raise typer.Exit(code=int(ExitCode.INCOMPLETE))


def _halt_without_ledger(engine: TradingEngine, *, reason: str, as_json: bool) -> NoReturn:
    """The ledger is unreadable: flatten at the broker anyway, say so, and exit non-zero."""
    from graph.execution.broker_only import flatten_at_broker

    problem = engine.ledger_problem or "the ledger is not open"
    report = flatten_at_broker(
        reason=reason,
        ledger_problem=problem,
        broker=engine.broker,
        clock=engine.clock,
        send_alert=engine.alerts.send,  # the engine's dispatcher, without a journal to write
    )
    if as_json:
        _print_json(report.model_dump(mode="json"))
    else:
        err = Console(stderr=True)
        err.print(f"[red]the ledger could not be read[/]: {escape(problem)}")
        err.print(
            "[red]flattened at the broker WITHOUT ledger records; the HALTED state is not "
            "persisted.[/] Repair the ledger, then run `hedgegraph halt` again and "
            "`hedgegraph adopt-broker-book`."
        )
        for row in report.exits:
            err.print(f"  exit {row['symbol']} {row['qty']}: {row['order'] or row['error']}")
        err.print(f"  cancelled {len(report.cancelled)} order(s)")
        for line in report.errors:
            err.print(f"  [red]{line}[/]")
    # Never 0: the books are not in order even when the account is flat.
    raise typer.Exit(code=int(ExitCode.INCOMPLETE))


def status(as_json: JsonOpt = False, replay: ReplayOption = None) -> None:
    """Trading state, account, positions with P/L, stop and target, open orders, daily loss."""
    from api.account_view import trading_status_view

    with operator_engine(replay=replay) as engine:
        view = trading_status_view(
            broker=engine.broker,
            ledger=engine.ledger,
            limits=engine.settings.risk,
            clock=engine.clock,
        )
    if as_json:
        typer.echo(view.model_dump_json(indent=2))
        return
    from api.operator_render import render_status

    render_status(view, Console())


def resume_trading(
    yes: YesOpt = False,
    reason: Annotated[str, typer.Option(help="Recorded with the state.")] = "resumed by operator",
    as_json: JsonOpt = False,
    replay: ReplayOption = None,
) -> None:
    """Back to ACTIVE, after a clean reconciliation with the broker."""
    from domain import TradingStatus
    from graph.monitor import operator

    with operator_engine(replay=replay) as engine:
        current = engine.ledger.trading_state()
        if current.status is not TradingStatus.ACTIVE:
            _confirm(f"Trading is {current.status.value} ({current.reason}). Resume?", yes)
        result = operator.resume(
            reason=reason,
            broker=engine.broker,
            ledger=engine.ledger,
            clock=engine.clock,
            alerts=engine.alerts,
        )
    if as_json:
        _print_json(result.model_dump(mode="json"))
    else:
        from api.operator_render import state_line

        console = Console()
        console.print(state_line(result.status.value, "changed" if result.changed else "unchanged"))
        for line in result.settled:
            console.print(f"  settled: {escape(line)}")
        for line in result.differences:
            console.print(f"  [red]difference:[/] {escape(line)}")
    if result.differences:
        raise typer.Exit(code=int(ExitCode.INCOMPLETE))


def reduce_only(
    reason: Annotated[str, typer.Option(help="Recorded with the state.")] = "operator: reduce only",
    as_json: JsonOpt = False,
    replay: ReplayOption = None,
) -> None:
    """REDUCING: no new entries, exits continue (a HALTED state stays HALTED)."""
    from graph.monitor import operator

    with operator_engine(replay=replay) as engine:
        record = operator.reduce_only(reason=reason, ledger=engine.ledger, clock=engine.clock)
    if as_json:
        _print_json(record.model_dump(mode="json"))
    else:
        from api.operator_render import state_line

        Console().print(state_line(record.status.value, record.reason))


def monitor_once(as_json: JsonOpt = False, replay: ReplayOption = None) -> None:
    """One position-monitor pass: stops, targets, the daily-loss guard."""
    from api.operator_actions import monitor_pass

    with operator_engine(replay=replay) as engine:
        report = monitor_pass(engine)
    if as_json:
        _print_json(report.model_dump(mode="json"))
        return
    console = Console()
    loss = report.daily_loss
    console.print(
        f"daily loss {loss.loss_pct * 100:.2f}% of {loss.limit_pct * 100:.2f}% ({loss.level})"
    )
    if report.exits:
        table = Table("reason", "symbol", "qty", "order", box=None)
        for o in report.exits:
            table.add_row(
                o.reason,
                o.symbol,
                f"{o.qty.normalize():f}",
                o.order_status if o.order_status else f"[red]{escape(str(o.error))}[/]",
            )
        console.print(table)
    else:
        console.print("no exits")
    if report.emergency_stop:
        console.print("[bold red]emergency stop fired[/]")
    for s in report.skipped:
        console.print(f"[dim]skipped: {escape(s)}[/]")


def adopt_book(
    reason: Annotated[str, typer.Option(help="Why the broker is right; kept in the audit.")],
    yes: YesOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Adopt the broker's positions and working orders as the ledger's truth, audited."""
    from graph.monitor.adopt import adopt_broker_book
    from tools.brokers.base import BrokerError

    if not yes and not sys.stdin.isatty():
        Console(stderr=True).print("[red]adopt-broker-book corrects the ledger: pass --yes[/]")
        raise typer.Exit(code=int(ExitCode.BAD_INPUT))
    _confirm("Make the ledger agree with the broker's book (audited adjustments)?", yes)
    try:
        with operator_engine() as engine:
            report = adopt_broker_book(
                broker=engine.broker,
                ledger=engine.ledger,
                clock=engine.clock,
                reason=reason,
                alerts=engine.alerts,
            )
    except ValueError as exc:
        Console(stderr=True).print(f"[red]{escape(str(exc))}[/]")
        raise typer.Exit(code=int(ExitCode.BAD_INPUT)) from None
    except BrokerError as exc:
        Console(stderr=True).print(
            f"[red]broker unreadable, nothing adopted:[/] {escape(str(exc))}"
        )
        raise typer.Exit(code=int(ExitCode.INCOMPLETE)) from None
    if as_json:
        _print_json(report.model_dump(mode="json") | {"changed": report.changed})
    else:
        console = Console()
        for p in report.positions:
            console.print(f"{p.symbol}: ledger {p.ledger_qty} -> broker {p.broker_qty} @ {p.price}")
        for cid in report.orders:
            console.print(f"order {escape(cid)} adopted")
        for cid in report.closed:
            console.print(f"order {escape(cid)} closed: unknown to the broker")
        for symbol in report.unpriced:
            console.print(f"[red]{symbol}: no price, left unchanged[/]")
        if not report.changed and not report.unpriced:
            console.print("the ledger already agrees with the broker")
    if report.unpriced:
        raise typer.Exit(code=int(ExitCode.INCOMPLETE))


_COMMANDS: dict[str, Callable[..., None]] = {
    "halt": halt,
    "status": status,
    "resume-trading": resume_trading,
    "reduce-only": reduce_only,
    "monitor-once": monitor_once,
    "adopt-broker-book": adopt_book,
}


def register(cli: typer.Typer) -> None:
    """Mount the commands at the top level of ``cli`` (``hedgegraph halt``, ...)."""
    for name, fn in _COMMANDS.items():
        cli.command(name)(fn)


app = typer.Typer(name="trading", help="Trading state: halt, status, resume.", no_args_is_help=True)
"""The operator commands on their own (tests mount them without the rest of the CLI)."""
register(app)
