"""Driving one run of a thread: in its own task, under the thread's lock, stoppable at a boundary.

How a run is driven: the graph runs in a driver task that holds the thread's lock, with the run's
stop request handed to LangGraph as its cooperative drain (``graph.run_control``). The graph
checks it between two super-steps, where the last step's checkpoint is on disk, so that is where
a cancellation takes effect: cancelling the consumer of the event stream (or closing it) asks the
driver to stop at the next boundary and then waits, uninterruptibly, until it has. The step that
is running when the cancel arrives always finishes (a sync node's worker thread is never
abandoned while it talks to the broker), a run whose ``execute`` started always goes on through
``record``, and the lock is released only after both. The run's events are written to the ledger
a step at a time, as each step's first task starts and when the run ends.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.errors import GraphDrained

from domain import CycleEvent, CycleEventKind, RunRequest
from graph.context import TradingContext
from graph.cycle_result import CycleResult, CycleStatus, read_cycle_result, thread_config
from graph.cycle_stream import CycleEventTranslator, RunOutcome
from graph.run_control import CycleControl
from graph.run_log import RunLog

__all__ = ["NOTHING_TO_DO", "CycleRun", "ProgressCallback", "consume"]

log = logging.getLogger(__name__)

ProgressCallback = Callable[[str, dict[str, Any]], None]
"""Called with (node name, state update) as each node finishes (kept for existing callers)."""

_STREAM_MODES = ["tasks", "updates", "custom"]


NOTHING_TO_DO = object()
"""``prepare``'s payload when the thread already finished or is waiting: no run happens."""


@dataclass(slots=True)
class CycleRun:
    """One run: what to drive, the stop request, and what it produced."""

    context: TradingContext
    checkpointer: BaseCheckpointSaver[Any]
    thread_id: str
    trigger: str
    prepare: Callable[[], Awaitable[tuple[Any, RunRequest, Any]]]
    """Under the lock: (compiled graph, request, first payload or ``NOTHING_TO_DO``)."""
    on_progress: ProgressCallback | None = None
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    result: CycleResult | None = None


@dataclass(frozen=True, slots=True)
class _Failure:
    error: BaseException


_END = object()


async def _steps(
    run: CycleRun,
    graph: Any,
    payload: Any,
    translator: CycleEventTranslator,
    out: asyncio.Queue[Any],
    run_log: RunLog,
) -> str:
    """Drive the graph until it ends, waits for approval, or drains at a stop request."""
    if run.stop.is_set():
        return CycleStatus.CANCELLED.value
    step = RunOutcome()
    emitted: list[CycleEvent] = []
    # durability="sync": each step's checkpoint is on disk before the next step starts, so a
    # crash inside ``execute`` never rolls the thread back to before the gate's verdicts.
    try:
        async for mode, chunk in graph.astream(
            payload,
            thread_config(run.thread_id),
            context=run.context,
            stream_mode=_STREAM_MODES,
            durability="sync",
            control=CycleControl(run.stop),
        ):
            if emitted and translator.starts_step(mode, chunk):
                run_log.events(emitted)  # the previous step's events, as its successor starts
                emitted = []
            for cycle_event in translator.translate(mode, chunk, step):
                emitted.append(cycle_event)
                out.put_nowait(cycle_event)
    except GraphDrained:
        run_log.events(emitted)
        return CycleStatus.CANCELLED.value
    except Exception:
        run_log.events(emitted)  # what the failing step reported is on record too
        raise
    if step.waiting_for_approval:
        state = await graph.aget_state(thread_config(run.thread_id))
        for cycle_event in translator.approval_requested(state.values.get("gate_verdicts", [])):
            emitted.append(cycle_event)
            out.put_nowait(cycle_event)
    run_log.events(emitted)
    if step.waiting_for_approval:
        return CycleStatus.AWAITING_APPROVAL.value
    # a stop that came while ``execute`` or the last step ran could not drain the run, but it was
    # asked for: the run reads as cancelled, on every server that reports it
    return CycleStatus.CANCELLED.value if run.stop.is_set() else CycleStatus.COMPLETED.value


def _finished(
    translator: CycleEventTranslator, out: asyncio.Queue[Any], run_log: RunLog, status: str
) -> None:
    finished = translator.make(CycleEventKind.FINISHED, status=status)
    run_log.events([finished])
    out.put_nowait(finished)


async def _drive(run: CycleRun, out: asyncio.Queue[Any]) -> None:
    """The run itself, in its own task so a cancelled consumer cannot cut a step short."""
    try:
        async with run.context.thread_locks.athread_lock(run.thread_id):
            graph, request, payload = await run.prepare()
            translator = CycleEventTranslator(
                run.thread_id, run.run_id, run.context.clock, on_update=run.on_progress
            )
            if payload is NOTHING_TO_DO:
                run.result = await read_cycle_result(graph, run.thread_id, None, "completed")
                out.put_nowait(translator.make(CycleEventKind.FINISHED, status=run.result.status))
                return
            run_log = RunLog(run.context.ledger, run.context.clock, run.run_id, run.thread_id)
            run_log.started(request, run.trigger)
            try:
                status = await _steps(run, graph, payload, translator, out, run_log)
            except Exception as exc:
                if not translator.failure_reported:
                    failure = translator.failed(exc)
                    run_log.events([failure])
                    out.put_nowait(failure)
                run_log.finished("failed", error=f"{type(exc).__name__}: {exc}")
                _finished(translator, out, run_log, "failed")
                raise
            run.result = await read_cycle_result(graph, run.thread_id, run.run_id, status, request)
            run_log.finished(run.result.status.value)
            _finished(translator, out, run_log, run.result.status.value)
    except Exception as exc:
        out.put_nowait(_Failure(exc))
    finally:
        out.put_nowait(_END)  # after the lock is released: a consumer that saw the end may relock


async def _wait_out(driver: asyncio.Task[None]) -> None:
    """Wait for the driver to finish its step, however often our own caller is cancelled."""
    while not driver.done():
        try:
            await asyncio.shield(driver)
        except asyncio.CancelledError:
            continue
        except Exception:  # reported through the queue, or logged below
            break


async def consume(run: CycleRun) -> AsyncGenerator[CycleEvent, None]:
    out: asyncio.Queue[Any] = asyncio.Queue()
    driver = asyncio.create_task(_drive(run, out), name=f"cycle:{run.thread_id}")
    try:
        while True:
            item = await out.get()
            if item is _END:
                return
            if isinstance(item, _Failure):
                raise item.error
            yield item
    finally:
        if not driver.done():
            run.stop.set()
            await _wait_out(driver)
            while not out.empty():
                item = out.get_nowait()
                if isinstance(item, _Failure):
                    log.error(
                        "run %s of thread %s failed while stopping: %r",
                        run.run_id,
                        run.thread_id,
                        item.error,
                    )
