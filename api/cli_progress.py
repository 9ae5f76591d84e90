"""Live progress of a cycle in the terminal, rendered from typed ``CycleEvent``s.

One line per finished node and per analyst x ticker, each with its elapsed time; a spinner while
the next step runs (on a terminal only: a pipe or a cron log gets plain lines); and a header that
says what the run trades with: the data source, the broker (paper / Alpaca paper / LIVE in red)
and the LLM (rules-only, or provider and model), so nobody mistakes a synthetic rehearsal for a
real run or the other way round.

The events come from the runner's ``astream_cycle`` / ``astream_approval``; an analyst task's
verdict lines wait for that task's NODE_FINISHED, which carries its elapsed time.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.status import Status
from rich.text import Text

from domain import AnalystVerdict
from domain.cycle_events import CycleEvent, CycleEventKind

if TYPE_CHECKING:
    from config.settings import Settings

__all__ = ["LiveProgress", "fit_parts", "run_header"]

_FAN_OUT = "analyst"
"""The fan-out node: one task per analyst, one line per analyst x ticker."""


def _describe_data(settings: Settings) -> str:
    names = list(settings.effective_data_providers)
    shown = [f"{n} (synthetic)" if n == "offline" else n for n in names]
    return " → ".join(shown)


def _describe_broker(settings: Settings) -> str:
    if settings.broker == "paper":
        return "paper (local)"
    if settings.is_live:
        return "[bold red]LIVE[/] Alpaca"
    return "Alpaca paper"


def _describe_llm(settings: Settings) -> str:
    if settings.llm_provider == "none":
        return "rules-only"
    return f"{settings.llm_provider} {settings.llm_model or '(default model)'}"


def fit_parts(parts: list[str], width: int) -> str:
    """Join ``parts`` with `` · ``, breaking lines only between parts, never inside one.

    Why: "LLM: rules-only" cut after "LLM:" reads as no LLM at all. A part wider than the line
    keeps a line of its own.
    """
    lines: list[list[str]] = []
    used = 0
    for part in parts:
        size = Text.from_markup(part).cell_len
        if lines and used + 3 + size <= width:
            lines[-1].append(part)
            used += 3 + size
        else:
            lines.append([part])
            used = size
    return "\n".join(" · ".join(line) for line in lines)


def run_header(settings: Settings, *, replay: str | None = None) -> list[str]:
    """The header's parts: data source, broker, LLM (and the replay), as rich markup."""
    parts = [
        f"data: {escape(_describe_data(settings))}",
        f"broker: {_describe_broker(settings)}",
        f"LLM: {escape(_describe_llm(settings))}",
    ]
    if replay is not None:
        parts.append(f"replay: {escape(replay)}")
    return parts


def _seconds(ms: float | None) -> str:
    return f"{(ms or 0) / 1000:6.2f} s"


class LiveProgress:
    """Renders ``CycleEvent``s on ``console`` (stderr): lines as they finish, a spinner between."""

    def __init__(self, console: Console) -> None:
        self._console = console
        self._started = time.monotonic()
        self._status: Status | None = None
        self._running = "start-up"
        self._held: dict[str, list[AnalystVerdict]] = {}
        """Verdicts of an analyst task whose NODE_FINISHED (with its time) has not come yet."""
        if console.is_terminal:
            self._status = console.status(self._spinner_text(), spinner="dots")
            self._status.start()

    def _spinner_text(self) -> str:
        total = time.monotonic() - self._started
        return f"[dim]{escape(self._running)} · {total:.1f} s[/]"

    def header(self, parts: list[str]) -> None:
        text = fit_parts(["[bold]hedgegraph[/]", *parts], self._console.width)
        self._console.print(text, soft_wrap=True)  # already fitted: no second wrapping

    def __call__(self, event: CycleEvent) -> None:
        for line in self._lines(event):
            self._console.print(line)
        if event.kind is CycleEventKind.NODE_STARTED and event.node:
            self._running = f"running {event.node}" + (
                f" ({event.analyst})" if event.analyst else ""
            )
        if event.kind is CycleEventKind.FINISHED:
            self.stop()
        elif self._status is not None:
            self._status.update(self._spinner_text())

    def _analyst_lines(self, analyst: str, ms: float | None) -> list[str]:
        lines = []
        for v in self._held.pop(analyst, []):
            mark = "[green]✓[/]" if v.signal.is_directional else "[yellow]·[/]"
            who = f"{v.analyst} × {v.ticker}"
            lines.append(
                f"{mark} {escape(who):<26} {_seconds(ms)}  {v.signal.value} {v.confidence:.2f}"
            )
        return lines

    def _lines(self, event: CycleEvent) -> list[str]:
        kind = event.kind
        if kind is CycleEventKind.ANALYST_VERDICT and event.verdict is not None:
            self._held.setdefault(event.verdict.analyst, []).append(event.verdict)
            return []
        if kind is CycleEventKind.NODE_FINISHED and event.node == _FAN_OUT:
            return self._analyst_lines(event.analyst or "", event.duration_ms)
        if kind is CycleEventKind.NODE_FINISHED:
            return [f"[green]✓[/] {event.node or '':<26} {_seconds(event.duration_ms)}"]
        if kind in (CycleEventKind.WARNING, CycleEventKind.ERROR) and event.run_event:
            ev = event.run_event
            where = f" [{ev.ticker}]" if ev.ticker else ""
            colour = "yellow" if kind is CycleEventKind.WARNING else "red"
            return [f"[{colour}]! {ev.node}{escape(where)}: {escape(ev.message)}[/]"]
        if kind is CycleEventKind.APPROVAL_REQUESTED and event.gate_verdict is not None:
            intent = event.gate_verdict.intent
            return [f"[bold]? approval requested[/] {intent.ticker} {intent.side.value}"]
        if kind is CycleEventKind.FINISHED:
            lines = [
                line for analyst in list(self._held) for line in self._analyst_lines(analyst, None)
            ]
            total = time.monotonic() - self._started
            return [*lines, f"[bold]{event.status}[/] in {total:.1f} s"]
        return []

    def stop(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None
