"""Translating LangGraph's stream chunks into the typed ``CycleEvent`` every face renders.

Why a translator of its own: the runner drives the graph with the ``tasks``, ``updates`` and
``custom`` stream modes; this module alone knows their shapes, so the runner's control flow
(locks, cancellation, run records) stays readable and a LangGraph upgrade that changes a chunk's
shape touches one file.

Chunk shapes (langgraph 1.2): ``("tasks", {id, name, input, triggers})`` when a task starts,
``("tasks", {id, name, error, result, interrupts})`` when it ends, ``("updates", {node: update})``
between them, ``("updates", {"__interrupt__": (...)})`` when the step stops at an interrupt (the
approval), and ``("custom", payload)`` for what a node wrote through the runtime's stream writer
mid-step (see ``graph.nodes._common.report_order``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from domain import CycleEvent, CycleEventKind, EventSeverity, GateVerdict, Order, RunEvent
from graph.nodes._common import ORDER_UPDATE_KEY
from tools.clock import Clock

__all__ = ["CycleEventTranslator", "RunOutcome"]

_NOTABLE = {EventSeverity.WARNING, EventSeverity.ERROR, EventSeverity.CRITICAL}


@dataclass(slots=True)
class RunOutcome:
    """What the run's chunks said that the driver needs once the stream ends."""

    waiting_for_approval: bool = False
    """The run stopped at the approval interrupt."""


@dataclass(slots=True)
class CycleEventTranslator:
    """Numbers a run's events from 1 and turns each chunk into zero or more ``CycleEvent``."""

    thread_id: str
    run_id: str
    clock: Clock
    on_update: Callable[[str, dict[str, Any]], None] | None = None
    """Legacy progress hook: (node, raw state update) for each node update."""
    seq: int = 0
    _started: dict[str, float] = field(default_factory=dict)
    _running: dict[str, str] = field(default_factory=dict)
    failure_reported: bool = False
    """A task's own failure was already turned into an ERROR event."""
    _orders_seen: set[tuple[str, str, str]] = field(default_factory=set)

    def make(self, kind: CycleEventKind, **fields: Any) -> CycleEvent:
        self.seq += 1
        return CycleEvent(
            kind=kind,
            thread_id=self.thread_id,
            run_id=self.run_id,
            seq=self.seq,
            at=self.clock.now(),
            **fields,
        )

    def starts_step(self, mode: str, chunk: Any) -> bool:
        """The chunk starts a task while none is running: the first task of a new super-step."""
        return mode == "tasks" and "triggers" in chunk and not self._running

    def translate(self, mode: str, chunk: Any, step: RunOutcome) -> Iterator[CycleEvent]:
        if mode == "tasks":
            yield from self._task(chunk)
        elif mode == "updates":
            for node, update in chunk.items():
                if node == "__interrupt__":
                    step.waiting_for_approval = step.waiting_for_approval or bool(update)
                    continue
                payload = update if isinstance(update, dict) else {}
                if self.on_update is not None:
                    self.on_update(node, payload)
                yield from self._update(node, payload)
        elif mode == "custom" and isinstance(chunk, dict) and ORDER_UPDATE_KEY in chunk:
            order = chunk[ORDER_UPDATE_KEY]
            if isinstance(order, Order):
                yield from self._order(order, str(chunk.get("node", "execute")))

    def approval_requested(self, verdicts: list[GateVerdict]) -> Iterator[CycleEvent]:
        """One APPROVAL_REQUESTED per order the supervised thread is waiting on."""
        for verdict in verdicts:
            if verdict.executable:
                yield self.make(
                    CycleEventKind.APPROVAL_REQUESTED,
                    node="approval",
                    ticker=verdict.intent.ticker,
                    gate_verdict=verdict,
                )

    def failed(self, error: BaseException) -> CycleEvent:
        """The ERROR event of a run that raised: it names the node that was running."""
        nodes = sorted(set(self._running.values())) or ["runner"]
        failure = RunEvent(
            node=nodes[0],
            severity=EventSeverity.ERROR,
            message=f"run failed: {type(error).__name__}: {error}",
            at=self.clock.now(),
            context={"running": ",".join(nodes)},
        )
        return self.make(CycleEventKind.ERROR, node=nodes[0], run_event=failure)

    def _task(self, chunk: dict[str, Any]) -> Iterator[CycleEvent]:
        name, task_id = str(chunk.get("name")), str(chunk.get("id"))
        task_input = chunk.get("input")
        analyst = (
            task_input.get("analyst")
            if name == "analyst" and isinstance(task_input, dict)
            else None
        )
        if "triggers" in chunk:  # a task starts
            self._started[task_id] = time.perf_counter()
            self._running[task_id] = name
            yield self.make(CycleEventKind.NODE_STARTED, node=name, analyst=analyst)
            return
        started = self._started.pop(task_id, None)
        self._running.pop(task_id, None)
        if chunk.get("interrupts"):  # paused inside the node (approval): it has not finished
            return
        duration = (time.perf_counter() - started) * 1000 if started is not None else None
        if chunk.get("error") is not None:
            failure = RunEvent(
                node=name,
                severity=EventSeverity.ERROR,
                message=f"node failed: {type(chunk['error']).__name__}: {chunk['error']}",
                at=self.clock.now(),
            )
            self.failure_reported = True
            yield self.make(
                CycleEventKind.ERROR, node=name, duration_ms=duration, run_event=failure
            )
            return
        result = chunk.get("result")
        if name == "analyst" and isinstance(result, dict):
            verdicts = result.get("analyst_verdicts") or []
            analyst = verdicts[0].analyst if verdicts else analyst
        yield self.make(
            CycleEventKind.NODE_FINISHED, node=name, duration_ms=duration, analyst=analyst
        )

    def _update(self, node: str, update: dict[str, Any]) -> Iterator[CycleEvent]:
        for verdict in update.get("analyst_verdicts", []) or []:
            yield self.make(
                CycleEventKind.ANALYST_VERDICT,
                node=node,
                analyst=verdict.analyst,
                ticker=verdict.ticker,
                verdict=verdict,
            )
        for decision in update.get("decisions", []) or []:
            yield self.make(
                CycleEventKind.PM_DECISION, node=node, ticker=decision.ticker, decision=decision
            )
        for gate_verdict in update.get("gate_verdicts", []) or []:
            yield self.make(
                CycleEventKind.GATE_VERDICT,
                node=node,
                ticker=gate_verdict.intent.ticker,
                gate_verdict=gate_verdict,
            )
        for order in update.get("orders", []) or []:
            yield from self._order(order, node)
        for run_event in update.get("events", []) or []:
            if run_event.severity in _NOTABLE:
                kind = (
                    CycleEventKind.WARNING
                    if run_event.severity is EventSeverity.WARNING
                    else CycleEventKind.ERROR
                )
                yield self.make(kind, node=node, ticker=run_event.ticker, run_event=run_event)

    def _order(self, order: Order, node: str) -> Iterator[CycleEvent]:
        key = (order.client_order_id, order.status.value, str(order.filled_qty))
        if key in self._orders_seen:  # reported mid-step already, and again in the node's update
            return
        self._orders_seen.add(key)
        yield self.make(CycleEventKind.ORDER_UPDATE, node=node, ticker=order.ticker, order=order)
