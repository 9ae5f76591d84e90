"""How a cycle looks in a terminal: one row per ticker, from signal to order."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from domain import EventSeverity
from graph.runner import CycleResult, CycleStatus

__all__ = ["render_cycle"]


def _signals(result: CycleResult, ticker: str) -> str:
    found = [s for s in result.signals if s.ticker == ticker]
    return "\n".join(f"{s.strategy}: {s.direction.value} {s.confidence:.2f}" for s in found) or "-"


def _analysts(result: CycleResult, ticker: str) -> str:
    verdicts = [v for v in result.analyst_verdicts if v.ticker == ticker]
    if not verdicts:
        return "-"
    counts: dict[str, int] = {}
    for v in verdicts:
        counts[v.signal.value] = counts.get(v.signal.value, 0) + 1
    return ", ".join(f"{k} {n}" for k, n in sorted(counts.items()))


def render_cycle(result: CycleResult, console: Console) -> None:
    table = Table(
        title=f"hedgegraph cycle {result.thread_id} ({result.mode}, {result.session_mode})"
    )
    for column in ("ticker", "signals", "research", "analysts", "decision", "gate", "order"):
        table.add_column(column)
    decisions = {d.ticker: d for d in result.decisions}
    verdicts = {v.intent.ticker: v for v in result.verdicts}
    orders = {o.ticker: o for o in result.orders}
    for ticker in sorted({*result.tickers, *decisions}):
        research = result.research.get(ticker)
        decision = decisions.get(ticker)
        verdict = verdicts.get(ticker)
        order = orders.get(ticker)
        table.add_row(
            ticker,
            _signals(result, ticker),
            research.stance.value if research else "-",
            _analysts(result, ticker),
            f"{decision.action.value} {decision.quantity}" if decision else "no candidate",
            (
                f"{verdict.outcome.value} {verdict.approved_qty}"
                + "".join(f"\n{code.value}" for code in verdict.reason_codes)
            )
            if verdict
            else "-",
            f"{order.status.value} {order.filled_qty}@{order.filled_avg_price or '-'}"
            if order
            else "-",
        )
    console.print(table)
    for ev in result.events:
        if ev.severity is not EventSeverity.INFO:
            where = f" [{ev.ticker}]" if ev.ticker else ""
            console.print(f"[yellow]{ev.severity.value}[/] {ev.node}{where}: {ev.message}")
    if result.status is CycleStatus.AWAITING_APPROVAL:
        console.print(
            f"[bold]awaiting approval[/] for {len(result.pending_approval)} order(s): "
            f"hedgegraph approve --thread {result.thread_id} [--reject]"
        )
