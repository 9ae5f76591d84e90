"""``hedgegraph alerts``: the stored alerts an operator works through (list, ack, resolve).

Why stored and not only sent: an alert that went to a webhook nobody watched is still an open
problem. Every alert the dispatcher sees is kept in the ledger until someone resolves it; a repeat
of an unresolved alert counts an occurrence on the same row. These commands open only the ledger:
no broker, no LLM, no market data.
"""

from __future__ import annotations

import getpass
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from api.cli_context import ReplayOption, account_settings, load_cli_settings
from api.exit_codes import ExitCode
from api.startup_errors import fail, startup_guard

if TYPE_CHECKING:
    from tools.persistence.records import AlertRecord
    from tools.persistence.sql_ledger import SqlLedger

__all__ = ["alerts_app"]

alerts_app = typer.Typer(
    help="Stored alerts: list the unresolved ones, acknowledge and resolve them.",
    invoke_without_command=True,
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
ByOpt = Annotated[
    str | None, typer.Option("--by", help="Who handled it (default: the login name).")
]
AlertId = Annotated[int, typer.Argument(help="The alert's id (first column of the list).")]


def _ledger(replay: datetime | None) -> SqlLedger:
    from tools.persistence.sql_ledger import SqlLedger

    settings, _ = account_settings(load_cli_settings(operator=True), as_of=replay)
    with startup_guard():
        return SqlLedger.from_url(settings.effective_database_url)


def _print(rows: list[AlertRecord], as_json: bool, *, every: bool) -> None:
    if as_json:
        typer.echo(json.dumps([r.model_dump(mode="json") for r in rows], indent=2))
        return
    console = Console()
    if not rows:
        console.print("no alerts" if every else "no unresolved alerts")
        return
    table = Table(box=None, padding=(0, 1), show_edge=False)
    for name in ("id", "last seen", "severity", "status", "seen"):
        table.add_column(name, no_wrap=True)
    table.add_column("alert", overflow="fold")
    for r in rows:
        table.add_row(
            str(r.id),
            f"{r.last_seen_at:%m-%d %H:%M}",
            f"[bold red]{r.severity.value}[/]" if r.severity.value == "critical" else r.severity,
            r.status.value,
            f"{r.occurrences}x",
            escape(f"{r.title}: {r.message}"),
        )
    console.print(table)
    if not every:
        console.print("acknowledge: hedgegraph alerts ack ID")
        console.print("resolve:     hedgegraph alerts resolve ID")


@alerts_app.callback()
def alerts(
    ctx: typer.Context,
    every: Annotated[
        bool, typer.Option("--all", help="Resolved alerts too (the newest --limit).")
    ] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many rows.")] = 100,
    as_json: JsonOpt = False,
    replay: ReplayOption = None,
) -> None:
    """Unresolved alerts, newest first (``--all``: resolved ones too)."""
    if ctx.invoked_subcommand is not None:
        return
    ledger = _ledger(replay)
    rows = ledger.alerts.recent(limit=limit) if every else ledger.alerts.unresolved()[:limit]
    _print(rows, as_json, every=every)


def _handle(action: str, alert_id: int, by: str | None, replay: datetime | None) -> None:
    from tools.persistence.errors import LedgerInputError

    ledger = _ledger(replay)
    who = by or getpass.getuser()
    at = datetime.now(UTC)
    try:
        if action == "ack":
            record = ledger.alerts.acknowledge(alert_id, by=who, at=at)
        else:
            record = ledger.alerts.resolve(alert_id, by=who, at=at)
    except LedgerInputError as exc:
        fail("no such alert", str(exc), code=ExitCode.BAD_INPUT)
    typer.echo(f"alert {record.id} is {record.status.value} ({record.title}) by {who}")


@alerts_app.command("ack")
def acknowledge(alert_id: AlertId, by: ByOpt = None, replay: ReplayOption = None) -> None:
    """Acknowledge an alert: seen, still open (repeats keep counting on it)."""
    _handle("ack", alert_id, by, replay)


@alerts_app.command("resolve")
def resolve(alert_id: AlertId, by: ByOpt = None, replay: ReplayOption = None) -> None:
    """Resolve an alert: handled; the next occurrence opens a new one."""
    _handle("resolve", alert_id, by, replay)
