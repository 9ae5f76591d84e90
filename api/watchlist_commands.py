"""``hedgegraph watchlist``: the symbols an operator asked to watch (list, add, remove).

Why stored: the watchlist outlives a terminal; the CLI and the HTTP API (``/api/v1/watchlist``)
read and change the same ledger rows, one active entry per symbol. These commands open the
operator engine (broker, ledger, alerts), never the LLM, the analysts or market data. A symbol is
checked by the project's one ticker rule: ``aapl`` is AAPL, ``AAPL;rm`` is refused (exit 2).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from api.cli_context import ReplayOption, operator_engine
from api.exit_codes import ExitCode
from api.startup_errors import fail

if TYPE_CHECKING:
    from tools.persistence.records import WatchlistEntry

__all__ = ["watchlist_app"]

watchlist_app = typer.Typer(
    help="The watchlist: list the watched symbols, add and remove them.",
    invoke_without_command=True,
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
TickerArg = Annotated[str, typer.Argument(help="The ticker symbol, e.g. AAPL or BRK.B.")]


def _print(rows: list[WatchlistEntry], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps([r.model_dump(mode="json") for r in rows], indent=2))
        return
    console = Console()
    if not rows:
        console.print("the watchlist is empty; add with: hedgegraph watchlist add TICKER")
        return
    table = Table(box=None, padding=(0, 1), show_edge=False)
    for name in ("symbol", "since"):
        table.add_column(name, no_wrap=True)
    table.add_column("note", overflow="fold")
    for r in rows:
        table.add_row(r.symbol, f"{r.created_at:%Y-%m-%d %H:%M}", escape(r.notes))
    console.print(table)


@watchlist_app.callback()
def watchlist(ctx: typer.Context, as_json: JsonOpt = False, replay: ReplayOption = None) -> None:
    """The watched symbols, highest priority first."""
    if ctx.invoked_subcommand is not None:
        return
    with operator_engine(replay=replay) as engine:
        rows = engine.ledger.watchlist.watched()
    _print(rows, as_json)


@watchlist_app.command("add")
def add(
    ticker: TickerArg,
    note: Annotated[str | None, typer.Option("--note", help="Why it is watched.")] = None,
    as_json: JsonOpt = False,
    replay: ReplayOption = None,
) -> None:
    """Watch a symbol; adding one already watched keeps it once (``--note`` replaces the note)."""
    from tools.persistence.errors import LedgerInputError

    with operator_engine(replay=replay) as engine:
        try:
            entry = engine.ledger.watchlist.watch(ticker, note=note, at=engine.clock.now())
        except LedgerInputError as exc:
            fail("bad ticker", str(exc), code=ExitCode.BAD_INPUT)
    if as_json:
        typer.echo(entry.model_dump_json(indent=2))
        return
    typer.echo(f"watching {entry.symbol}" + (f" ({entry.notes})" if entry.notes else ""))


@watchlist_app.command("remove")
def remove(ticker: TickerArg, as_json: JsonOpt = False, replay: ReplayOption = None) -> None:
    """Stop watching a symbol (the entry is kept in the ledger as removed)."""
    from tools.persistence.errors import LedgerInputError, NotWatchedError

    with operator_engine(replay=replay) as engine:
        try:
            entry = engine.ledger.watchlist.unwatch(ticker, at=engine.clock.now())
        except NotWatchedError as exc:
            fail("not watched", str(exc), code=ExitCode.BAD_INPUT)
        except LedgerInputError as exc:
            fail("bad ticker", str(exc), code=ExitCode.BAD_INPUT)
    if as_json:
        typer.echo(entry.model_dump_json(indent=2))
        return
    typer.echo(f"no longer watching {entry.symbol}")
