"""How a cycle looks in a terminal: one block per ticker, from signal to order, in 80 columns.

Why blocks, not a wide table: at 80 columns (any pipe, cron log or CI) a seven-column table cut
reason codes to ``market_cl…``. Each ticker gets one headline (decision -> gate -> order) and
wrapped lines under it; lines break only between words, and a reason code is one word, so a code
is never cut. Money is rounded for reading; ``--json`` keeps every digit.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from domain import EventSeverity, GateOutcome, GateVerdict, Order, TradeAction, TradeDecision

if TYPE_CHECKING:
    from api.account_view import AccountView
    from api.cycle_outcome import CouldNotTrade
    from graph.runner import CycleResult

__all__ = ["money", "qty", "render_account", "render_cycle"]

NO_CANDIDATE = "no strategy signalled an entry or an exit, so the analysts did not weigh it"


def money(value: Decimal | float | None) -> str:
    """``$1,234.57``; ``-`` when unknown."""
    if value is None:
        return "-"
    amount = Decimal(str(value))
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"


def signed_money(value: Decimal | None) -> str:
    if value is None:
        return "-"
    return ("+" if value >= 0 else "") + money(value)


def qty(value: Decimal | float) -> str:
    """``9`` for whole shares, ``0.5`` for fractions (no trailing zeros)."""
    amount = Decimal(str(value))
    text = f"{amount.normalize():f}"
    return text


def pct(value: Decimal | float | None, *, signed: bool = False) -> str:
    """``5.00%`` for 0.05; signed: ``-0.00%`` for a loss too small to show (never ``+``)."""
    if value is None:
        return "-"
    number = float(value) * 100
    if not signed:
        return f"{number:.2f}%"
    return f"{'-' if number < 0 else '+'}{abs(number):.2f}%"


def _headline(
    decision: TradeDecision | None, verdict: GateVerdict | None, order: Order | None
) -> str:
    if decision is None:
        return "[dim]no candidate[/]"
    parts = [f"[bold]{decision.action.value} {qty(decision.quantity)}[/]"]
    if verdict is not None:
        colour = {"approved": "green", "resized": "yellow", "vetoed": "red"}[verdict.outcome.value]
        shown = verdict.outcome.value
        if verdict.outcome is GateOutcome.RESIZED:
            shown += f" to {qty(verdict.approved_qty)}"
        elif verdict.outcome is GateOutcome.APPROVED:
            shown += f" {qty(verdict.approved_qty)}"
        parts.append(f"[{colour}]{shown}[/]")
    if order is not None:
        fill = (
            f" {qty(order.filled_qty)} @ {money(order.filled_avg_price)}"
            if order.filled_qty
            else ""
        )
        parts.append(f"{order.status.value}{fill}")
    return " → ".join(parts)


def _evidence(result: CycleResult, ticker: str) -> str | None:
    bits = [
        f"{s.strategy} {s.direction.value} {s.confidence:.2f}"
        for s in result.signals
        if s.ticker == ticker
    ]
    research = result.research.get(ticker)
    if research is not None:
        bits.append(f"research {research.stance.value}")
    counts = Counter(v.signal.value for v in result.analyst_verdicts if v.ticker == ticker)
    if counts:
        bits.append("analysts " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
    return " · ".join(bits) or None


def _why(decision: TradeDecision | None) -> str:
    if decision is None:
        return NO_CANDIDATE
    text = decision.reasoning.strip() or (
        "the portfolio manager held" if decision.action is TradeAction.HOLD else "no reason given"
    )
    if decision.clamps:
        text += " (adjusted: " + ", ".join(decision.clamps) + ")"
    return text


def _gate_line(verdict: GateVerdict | None) -> str | None:
    if verdict is None or not verdict.reasons:
        return None
    return " ".join(r.code.value for r in verdict.reasons)


def _ticker_block(result: CycleResult, ticker: str, grid: Table) -> None:
    decisions = {d.ticker: d for d in result.decisions}
    verdicts = {v.intent.ticker: v for v in result.verdicts}
    orders = {o.ticker: o for o in result.orders}
    decision, verdict = decisions.get(ticker), verdicts.get(ticker)
    grid.add_row(f"[bold]{ticker}[/]", _headline(decision, verdict, orders.get(ticker)))
    evidence = _evidence(result, ticker)
    if evidence:
        grid.add_row("", f"[dim]{escape(evidence)}[/]")
    grid.add_row("", f"why: {escape(_why(decision))}")
    codes = _gate_line(verdict)
    if codes:
        grid.add_row("", f"gate: [yellow]{codes}[/]")


def render_cycle(
    result: CycleResult,
    console: Console,
    *,
    header: list[str] | None = None,
    could_not_trade: list[CouldNotTrade] | None = None,
) -> None:
    """The result view: a title, one block per ticker, warnings, and what to do next."""
    console.print(
        f"[bold]cycle {escape(result.thread_id)}[/] · {result.mode} · {result.session_mode} · "
        f"{result.status.value}"
    )
    if header:
        from api.cli_progress import fit_parts

        console.print(fit_parts(header, console.width), soft_wrap=True)
    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=6, no_wrap=True)
    grid.add_column(overflow="fold")
    decided = {d.ticker for d in result.decisions}
    for ticker in sorted({*result.tickers, *decided}):
        _ticker_block(result, ticker, grid)
    console.print(grid)
    for ev in result.events:
        if ev.severity is not EventSeverity.INFO:
            where = f" [{ev.ticker}]" if ev.ticker else ""
            colour = "yellow" if ev.severity is EventSeverity.WARNING else "red"
            console.print(
                f"[{colour}]{ev.severity.value}[/] {ev.node}{escape(where)}: {escape(ev.message)}"
            )
    for reason in could_not_trade or []:
        console.print(f"[red]could not trade ({reason.value}):[/] {reason.sentence}")
    if result.status.value == "awaiting_approval":
        console.print(
            f"[bold]awaiting approval[/] for {len(result.pending_approval)} order(s): "
            f"hedgegraph approve --thread {escape(result.thread_id)} [--reject]"
        )


def render_account(account: AccountView, console: Console, *, title: str = "account") -> None:
    """Cash, equity, today's P/L against the loss limit, then one row per position."""
    loss = account.daily_loss
    today = (
        f"today {signed_money(account.equity - loss.baseline)} "
        f"({pct(-loss.loss_pct, signed=True)}) against"
        if loss.baseline is not None
        else "no session baseline yet;"
    )
    console.print(
        f"[bold]{title}[/] cash {money(account.cash)} · equity {money(account.equity)} · "
        f"{today} a {pct(loss.limit_pct)} daily loss limit ({loss.level})"
    )
    if account.positions:
        table = Table(box=None, padding=(0, 1), show_edge=False)
        for name in ("symbol", "qty", "avg price", "value", "P/L", "stop", "target"):
            table.add_column(name, justify="left" if name == "symbol" else "right", no_wrap=True)
        for p in account.positions:
            table.add_row(
                p.symbol,
                qty(p.qty),
                money(p.avg_entry_price),
                money(p.market_value),
                f"{signed_money(p.unrealized_pl)} {pct(p.unrealized_pl_pct, signed=True)}",
                money(p.stop_loss),
                money(p.take_profit),
            )
        console.print(table)
    else:
        console.print("[dim]no positions[/]")
