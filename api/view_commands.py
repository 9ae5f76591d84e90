"""Read-only views an operator reaches for: threads, orders, positions, history, audit, the
analyst and strategy catalogues, and the configuration (``config show`` / ``config check``).

None of these writes anything or talks to an LLM; each opens only what it reads. ``--replay``
points the account views at a replay's own paper account.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from api.cli_context import ReplayOption, account_settings, load_cli_settings, operator_engine
from api.exit_codes import ExitCode
from api.startup_errors import startup_guard

__all__ = ["register"]

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
LimitOpt = Annotated[int, typer.Option("--limit", min=1, help="At most this many rows.")]

config_app = typer.Typer(help="The effective configuration.", no_args_is_help=True)


def _dump(rows: list[Any]) -> None:
    typer.echo(json.dumps([r.model_dump(mode="json") for r in rows], indent=2))


def _table(*columns: str, whole: tuple[str, ...] = ()) -> Table:
    """Columns fold to fit the width, except ``whole`` ones: an id cut in two cannot be pasted
    into ``audit --thread`` or grepped for, so the other columns give way instead."""
    table = Table(box=None, padding=(0, 1), show_edge=False)
    for name in columns:
        table.add_column(name, overflow="fold", no_wrap=name in whole)
    return table


def threads(
    pending: Annotated[
        bool, typer.Option("--pending", help="Only threads waiting for an approval.")
    ] = False,
    as_json: JsonOpt = False,
    replay: ReplayOption = None,
) -> None:
    """Threads (cycles) with their latest state; --pending: runs waiting for approval."""
    from api.thread_views import list_threads

    settings, _ = account_settings(load_cli_settings(), as_of=replay)
    with startup_guard():
        rows = list_threads(settings.effective_checkpoint_url, pending_only=pending)
    if as_json:
        _dump(rows)
        return
    console = Console()
    if not rows:
        console.print("no threads waiting for approval" if pending else "no threads")
        return
    table = Table(box=None, padding=(0, 1), show_edge=False)
    table.add_column("thread", no_wrap=True)
    for name in ("updated", "mode", "session", "state"):
        table.add_column(name, no_wrap=True)
    for t in rows:
        state = "waiting" if t.awaiting_approval else ("done" if t.finished else "unfinished")
        table.add_row(
            escape(t.thread_id),
            f"{t.updated_at:%m-%d %H:%M}" if t.updated_at else "-",
            t.mode or "-",
            t.session_mode or "-",
            f"[bold]{state}[/]" if t.awaiting_approval else state,
        )
    console.print(table)
    if pending:
        console.print("approve with: hedgegraph approve --thread ID [--reject]")


def _orders_view(*, filled_only: bool, limit: int, as_json: bool, replay: Any) -> None:
    from api.cli_render import money, qty
    from api.ledger_views import ledger_orders

    with operator_engine(replay=replay) as engine:
        rows = ledger_orders(engine.ledger, filled_only=filled_only, limit=limit)
    if as_json:
        _dump(rows)
        return
    console = Console()
    if not rows:
        console.print("no trades" if filled_only else "no orders")
        return
    table = _table(
        "time", "symbol", "side", "qty", "status", "fill", "decision", whole=("decision",)
    )
    for o in rows:
        table.add_row(
            f"{o.created_at:%m-%d %H:%M}",
            o.symbol,
            o.side,
            qty(o.approved_qty),
            o.status or "not placed",
            f"{qty(o.filled_qty)} @ {money(o.filled_avg_price)}" if o.filled_qty else "-",
            escape(o.decision_id),
        )
    console.print(table)


def orders(limit: LimitOpt = 50, as_json: JsonOpt = False, replay: ReplayOption = None) -> None:
    """Orders in the ledger, newest first, with their status and decision."""
    _orders_view(filled_only=False, limit=limit, as_json=as_json, replay=replay)


def history(limit: LimitOpt = 50, as_json: JsonOpt = False, replay: ReplayOption = None) -> None:
    """Trades (orders with fills), newest first, each with its decision id."""
    _orders_view(filled_only=True, limit=limit, as_json=as_json, replay=replay)


def positions(as_json: JsonOpt = False, replay: ReplayOption = None) -> None:
    """Positions at the broker: quantity, average price, value, P/L, stop and target."""
    from api.account_view import account_view
    from api.cli_render import render_account
    from api.startup_errors import fail
    from tools.brokers.base import BrokerError

    with operator_engine(replay=replay) as engine:
        try:
            account = account_view(
                broker=engine.broker,
                ledger=engine.ledger,
                limits=engine.settings.risk,
                clock=engine.clock,
            )
        except BrokerError as exc:
            fail("the broker did not answer", str(exc), code=ExitCode.INCOMPLETE)
    if as_json:
        _dump(account.positions)
        return
    render_account(account, Console(), title="positions ·")


def audit(
    thread: Annotated[str, typer.Option("--thread", help="The thread to explain.")],
    as_json: JsonOpt = False,
    replay: ReplayOption = None,
) -> None:
    """Everything recorded for one thread: decisions with gate verdicts, orders, run events."""
    from api.ledger_views import ledger_orders, run_events

    with operator_engine(replay=replay) as engine:
        decisions = engine.ledger.decisions_for_thread(thread)
        placed = ledger_orders(engine.ledger, thread_id=thread, limit=1000)
        events = run_events(engine.ledger, thread_id=thread)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "thread_id": thread,
                    "decisions": [d.model_dump(mode="json") for d in decisions],
                    "orders": [o.model_dump(mode="json") for o in placed],
                    "events": [e.model_dump(mode="json") for e in events],
                },
                indent=2,
            )
        )
        return
    console = Console()
    if not (decisions or placed or events):
        console.print(f"nothing recorded for thread {escape(thread)}")
        raise typer.Exit(code=int(ExitCode.INCOMPLETE))
    console.print(f"[bold]thread {escape(thread)}[/]")
    for d in decisions:
        codes = " ".join(c.value for c in d.gate_reason_codes)
        gate = d.gate_outcome.value if d.gate_outcome else "not gated"
        console.print(
            f"[bold]{d.ticker}[/] {d.action.value} {d.quantity.normalize():f} → {gate}"
            + (f" [yellow]{codes}[/]" if codes else "")
        )
        console.print(
            f"  decision {escape(d.decision_id)} · {escape(d.policy)} · model {escape(d.model)}"
        )
        if d.reasoning:
            console.print(f"  why: {escape(d.reasoning)}")
        for cid in d.order_client_ids:
            console.print(f"  order {escape(cid)}")
    for o in placed:
        console.print(
            f"order {escape(o.client_order_id)}: {o.symbol} {o.side} "
            f"{o.approved_qty.normalize():f} · {o.status or 'not placed'}"
        )
    for e in events:
        if e.severity == "info":  # the step-by-step log stays in --json
            continue
        console.print(f"[dim]{e.at:%H:%M:%S}[/] {e.severity} {e.node}: {escape(e.message)}")


def _first_line(doc: str | None) -> str:
    return (doc or "").strip().splitlines()[0] if (doc or "").strip() else ""


def analysts(as_json: JsonOpt = False) -> None:
    """The analyst catalogue, one line each; * marks the default roster."""
    import sys

    from agents.analysts.registry import ANALYSTS, DEFAULT_ROSTER

    rows = [
        {
            "name": name,
            "default": name in DEFAULT_ROSTER,
            "summary": _first_line(sys.modules[type(a).__module__].__doc__)
            or _first_line(type(a).__doc__),
        }
        for name, a in ANALYSTS.items()
    ]
    _catalogue(rows, as_json, "use with --analysts NAME,NAME or ANALYSTS=...; 'all' runs every one")


def strategies(as_json: JsonOpt = False) -> None:
    """The strategy catalogue, one line each (every strategy runs in every cycle)."""
    import sys

    from agents.strategies.registry import STRATEGIES

    rows = [
        {
            "name": s.name,
            "default": True,
            "summary": _first_line(sys.modules[type(s).__module__].__doc__)
            or _first_line(type(s).__doc__),
        }
        for s in STRATEGIES
    ]
    _catalogue(rows, as_json, None)


def _catalogue(rows: list[dict[str, Any]], as_json: bool, hint: str | None) -> None:
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    console = Console()
    table = Table(box=None, padding=(0, 1), show_header=False)
    table.add_column(no_wrap=True)
    table.add_column(overflow="fold")
    for row in rows:
        mark = "*" if row["default"] else " "
        table.add_row(f"{mark} {row['name']}", escape(row["summary"]))
    console.print(table)
    if hint:
        console.print(f"[dim]{hint}[/]")


@config_app.command("show")
def config_show(as_json: JsonOpt = False) -> None:
    """Every setting's effective value and where it came from; secrets masked."""
    from api.config_view import effective_config

    entries = effective_config(load_cli_settings())
    if as_json:
        _dump(entries)
        return
    table = _table("key", "value", "source")
    for e in entries:
        value = e.value if isinstance(e.value, str) else json.dumps(e.value)
        table.add_row(e.key, escape(value), escape(e.source))
    Console().print(table)


@config_app.command("check")
def config_check() -> None:
    """Validate the configuration and open what a cycle opens (stores, checkpoints, broker)."""
    console = Console()
    settings = load_cli_settings()
    console.print("[green]✓[/] settings are valid")
    steps = _checks(settings)
    for name, step in steps:
        with startup_guard():
            step()
        console.print(f"[green]✓[/] {name}")
    console.print("configuration OK")


def _checks(settings: Any) -> list[tuple[str, Any]]:
    def stores() -> None:
        from graph.startup import verify_schemas

        settings.hedgegraph_home.mkdir(parents=True, exist_ok=True)
        verify_schemas(settings)

    def context() -> None:
        from graph.assembly import build_context

        build_context(settings)

    def broker() -> None:
        from api.startup_errors import fail
        from tools.brokers.base import BrokerError

        with operator_engine() as engine:
            try:
                engine.broker.portfolio()
            except BrokerError as exc:
                fail("the broker did not answer", str(exc))

    return [
        ("application store and checkpoints are current", stores),
        ("analysts, market data and LLM are configured", context),
        ("the broker answers", broker),
    ]


_COMMANDS: dict[str, Callable[..., None]] = {
    "threads": threads,
    "orders": orders,
    "positions": positions,
    "history": history,
    "audit": audit,
    "analysts": analysts,
    "strategies": strategies,
}


def register(cli: typer.Typer) -> None:
    """Mount the views at the top level of ``cli`` and ``config`` as a group."""
    for name, fn in _COMMANDS.items():
        cli.command(name)(fn)
    cli.add_typer(config_app, name="config")
