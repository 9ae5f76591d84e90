"""A run's stop request as LangGraph's cooperative drain, never between ``execute`` and ``record``.

Why LangGraph's own drain (``RunControl``): the graph checks it at every super-step boundary,
after the step's checkpoint is written and before the next step's tasks start, which is exactly
where a cancelled run must stop. Before it, the run driver re-entered the graph once per step
(``interrupt_after="*"``) to get the same boundary, and every re-entry read the thread's
checkpoint back from the saver (6 of a 3-ticker cycle's 28 saver calls).

Why a hold: orders placed by ``execute`` get their decision rows from ``record``, the step after
it, so a stop that arrives while ``execute`` runs must let ``record`` run too. ``execute`` marks
the run as executing the moment it starts, on its worker thread, before its step can end; the
drain is then refused for the rest of the run (``record`` is the last node: the run ends after
it). A boolean set from one thread and read by the loop needs no lock, as ``RunControl``'s own
drain request does not.
"""

from __future__ import annotations

import asyncio
from typing import Any

from langgraph.runtime import RunControl, Runtime

__all__ = ["CycleControl", "mark_executing"]

CANCELLED_REASON = "cancelled"


class CycleControl(RunControl):
    """Drains once the run's stop event is set, unless ``execute`` has started."""

    __slots__ = ("_executing", "_stop")

    def __init__(self, stop: asyncio.Event) -> None:
        super().__init__()
        self._stop = stop
        self._executing = False

    def executing(self) -> None:
        self._executing = True

    @property
    def drain_requested(self) -> bool:
        if self._executing:
            return False
        return self._stop.is_set() or self._drain_reason is not None

    @property
    def drain_reason(self) -> str | None:
        return CANCELLED_REASON if self._stop.is_set() else self._drain_reason


def mark_executing(runtime: Runtime[Any]) -> None:
    """Called first thing by ``execute``: from here the run goes on through ``record``."""
    control = runtime.control
    if isinstance(control, CycleControl):
        control.executing()
