"""Tables for the operator commands: what the account holds and what an emergency stop did.

Why tables: an operator under stress reads columns, not Python reprs such as
``positions: {'AAPL': '9'}``; the same facts stay complete in ``--json``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from api.cli_render import money, qty, render_account

if TYPE_CHECKING:
    from api.account_view import TradingStatusView
    from graph.monitor.operator import HaltResult

__all__ = ["render_halt", "render_status", "state_line"]

_STATE_COLOUR = {"active": "green", "reducing": "yellow", "halted": "bold red"}


def state_line(status: str, reason: str) -> str:
    colour = _STATE_COLOUR.get(status, "bold")
    why = f" · {escape(reason)}" if reason else ""
    return f"trading [{colour}]{status.upper()}[/]{why}"


def render_status(view: TradingStatusView, console: Console) -> None:
    console.print(state_line(view.status.value, view.reason) + f" · broker {escape(view.broker)}")
    _render_heartbeats(view, console)
    account = view.account
    if account is None:
        console.print(f"[red]broker did not answer:[/] {escape(view.broker_error or '')}")
        return
    render_account(account, console)
    if account.open_orders:
        table = Table(box=None, padding=(0, 1), title="open orders", title_justify="left")
        for name in ("symbol", "side", "qty", "type", "status", "limit", "client order id"):
            table.add_column(name, overflow="fold")
        for o in account.open_orders:
            table.add_row(
                o.symbol,
                o.side,
                qty(o.qty),
                o.order_type,
                o.status,
                money(o.limit_price),
                escape(o.client_order_id),
            )
        console.print(table)
    else:
        console.print("[dim]no open orders[/]")


def _render_heartbeats(view: TradingStatusView, console: Console) -> None:
    if not view.heartbeats:
        console.print("[dim]no scheduler heartbeat recorded (no scheduler has run here)[/]")
    for beat in view.heartbeats:
        age = f"{beat.age_seconds:.0f} s ago"
        state = "[bold red]STALE[/]" if beat.stale else "[green]fresh[/]"
        console.print(f"heartbeat {escape(beat.component)}: {state} · {age} · {escape(beat.owner)}")
    if view.monitor_stale:
        console.print(
            "[bold red]monitor heartbeat stale with positions open: new entries blocked "
            "(monitor_stale)[/]"
        )


def render_halt(result: HaltResult, console: Console) -> None:
    verb = "was already halted" if result.already_halted else "is now HALTED"
    console.print(f"trading [bold red]{verb}[/] · flat: {'yes' if result.flat else '[red]no[/]'}")
    if result.cancelled:
        console.print("cancelled: " + ", ".join(escape(c) for c in result.cancelled))
    else:
        console.print("[dim]no open orders to cancel[/]")
    if result.exits:
        table = Table(box=None, padding=(0, 1), title="exits", title_justify="left")
        for name in ("symbol", "qty", "order", "error"):
            table.add_column(name, overflow="fold")
        for e in result.exits:
            table.add_row(
                e.get("symbol") or "",
                e.get("qty") or "",
                escape(e.get("order") or "-"),
                f"[red]{escape(e.get('error') or '')}[/]" if e.get("error") else "",
            )
        console.print(table)
    else:
        console.print("[dim]no positions to close[/]")
    for err in result.errors:
        console.print(f"[red]error:[/] {escape(err)}")
