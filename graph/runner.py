"""Running one trading cycle on a thread: start, resume, answer an approval, stream its events.

This is the engine's public face; the CLI, the HTTP API (SSE) and the scheduler call the same
functions. A thread is one cycle: running it again resumes it from its checkpoint (and never
submits an order twice), or, if it already finished, reports what it did.

How a run is driven: the graph runs one super-step at a time (``interrupt_after="*"``), in a
driver task that holds the thread's lock. Between two steps the checkpoint is on disk, so that is
where a cancellation takes effect: cancelling the consumer of ``astream_cycle`` (or closing it)
asks the driver to stop at the next boundary and then waits, uninterruptibly, until it has. The
step that is running when the cancel arrives always finishes (a sync node's worker thread is never
abandoned while it talks to the broker), a step that ran ``execute`` is always followed by
``record``, and the lock is released only after both.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.types import Command
from pydantic import BaseModel

from domain import (
    AnalystVerdict,
    ApprovalVerdict,
    CycleEvent,
    CycleEventKind,
    GateVerdict,
    Order,
    ResearchFinding,
    RunEvent,
    RunRequest,
    StrategySignal,
    TradeDecision,
)
from graph.builder import build_graph
from graph.context import TradingContext
from graph.cycle_stream import CycleEventTranslator, StepOutcome
from graph.modes import WorkflowMode
from graph.run_log import RunLog
from graph.state import CycleState
from tools.llm.routing import run_scoped

if TYPE_CHECKING:
    from graph.engine import TradingEngine

__all__ = [
    "CycleResult",
    "CycleStatus",
    "ProgressCallback",
    "RequestMismatchError",
    "ThreadNotFoundError",
    "UnrevivableRequestError",
    "aapprove",
    "arun_cycle",
    "astream_approval",
    "astream_cycle",
]

log = logging.getLogger(__name__)

ProgressCallback = Callable[[str, dict[str, Any]], None]
"""Called with (node name, state update) as each node finishes (kept for existing callers)."""

_STREAM_MODES = ["tasks", "updates", "custom"]


class ThreadNotFoundError(Exception):
    """No checkpoint exists for the thread id (or it is not waiting for an approval)."""


class RequestMismatchError(ValueError):
    """A resume asked for other tickers, another mode or session mode than the thread started with.

    Why an error: a thread is one cycle; silently running the stored request would hide that the
    caller's tickers were ignored, and silently using the new ones would mix two cycles' state.
    """


class UnrevivableRequestError(RuntimeError):
    """The thread has a checkpoint but its stored request cannot be read back as a ``RunRequest``.

    Why an error: treating it as "no request" would start a new cycle on an old thread, on top of
    whatever orders and verdicts that thread already holds.
    """


class CycleStatus(StrEnum):
    COMPLETED = "completed"
    AWAITING_APPROVAL = "awaiting_approval"
    CANCELLED = "cancelled"
    """Stopped at a step boundary on request; running the thread again resumes it."""


class CycleResult(BaseModel):
    """What a cycle did, as the CLI's ``--json`` and the API report it."""

    thread_id: str
    status: CycleStatus
    mode: str
    session_mode: str
    tickers: list[str]
    signals: list[StrategySignal]
    research: dict[str, ResearchFinding]
    analyst_verdicts: list[AnalystVerdict]
    decisions: list[TradeDecision]
    verdicts: list[GateVerdict]
    orders: list[Order]
    events: list[RunEvent]
    pending_approval: list[GateVerdict]
    run_id: str | None = None
    """The run that produced this answer; ``None`` when the thread had nothing left to do."""


def _config(thread_id: str) -> RunnableConfig:
    return {"configurable": {"thread_id": thread_id}}


def _tickers(tickers: Sequence[str]) -> tuple[str, ...]:
    return tuple(t.strip().upper() for t in tickers if t.strip())


async def _stored_request(
    checkpointer: BaseCheckpointSaver[Any], thread_id: str
) -> RunRequest | None:
    saved = await checkpointer.aget_tuple(_config(thread_id))
    if saved is None:
        return None
    request = saved.checkpoint["channel_values"].get("request")
    if not isinstance(request, RunRequest):
        raise UnrevivableRequestError(
            f"thread {thread_id!r} has a checkpoint but its request could not be revived "
            f"(found {type(request).__name__}); refusing to start a new cycle on it"
        )
    return request


def _check_resume(
    stored: RunRequest,
    tickers: Sequence[str] | None,
    mode: WorkflowMode | str | None,
    session_mode: str | None,
) -> None:
    asked: list[str] = []
    if tickers is not None and set(_tickers(tickers)) != set(stored.tickers):
        asked.append(f"tickers {list(_tickers(tickers))} (started with {list(stored.tickers)})")
    if mode is not None and WorkflowMode(mode).value != stored.mode:
        asked.append(f"mode {WorkflowMode(mode).value} (started with {stored.mode})")
    if session_mode is not None and session_mode != stored.session_mode:
        asked.append(f"session mode {session_mode} (started with {stored.session_mode})")
    if asked:
        raise RequestMismatchError(
            f"thread {stored.thread_id!r} cannot be resumed with "
            + "; ".join(asked)
            + ": start a new thread, or resume without those options"
        )


_NOTHING_TO_DO = object()
"""``prepare``'s payload when the thread already finished or is waiting: no run happens."""


@dataclass(slots=True)
class _Run:
    """One run: what to drive, the stop request, and what it produced."""

    context: TradingContext
    checkpointer: BaseCheckpointSaver[Any]
    thread_id: str
    trigger: str
    prepare: Callable[[], Awaitable[tuple[Any, RunRequest, Any]]]
    """Under the lock: (compiled graph, request, first payload or ``_NOTHING_TO_DO``)."""
    on_progress: ProgressCallback | None = None
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    result: CycleResult | None = None


@dataclass(frozen=True, slots=True)
class _Failure:
    error: BaseException


_END = object()


async def _result(graph: Any, thread_id: str, run_id: str | None, status: str) -> CycleResult:
    snapshot = await graph.aget_state(_config(thread_id))
    values: CycleState = snapshot.values
    request = values["request"]
    waiting = any(task.interrupts for task in snapshot.tasks)
    verdicts = values.get("gate_verdicts", [])
    if waiting:
        status = CycleStatus.AWAITING_APPROVAL.value
    return CycleResult(
        thread_id=thread_id,
        status=CycleStatus(status),
        mode=request.mode,
        session_mode=request.session_mode,
        tickers=list(request.tickers),
        signals=values.get("signals", []),
        research=dict(values.get("research", {})),
        analyst_verdicts=values.get("analyst_verdicts", []),
        decisions=values.get("decisions", []),
        verdicts=verdicts,
        orders=values.get("orders", []),
        events=values.get("events", []),
        pending_approval=[v for v in verdicts if v.executable] if waiting else [],
        run_id=run_id,
    )


async def _steps(
    run: _Run,
    graph: Any,
    payload: Any,
    translator: CycleEventTranslator,
    out: asyncio.Queue[Any],
    run_log: RunLog,
) -> str:
    """Drive the graph step by step until it ends, waits for approval, or a stop is honoured."""
    while True:
        step, emitted = StepOutcome(), []
        # durability="sync": each step's checkpoint is on disk before the next step starts, so a
        # crash inside ``execute`` never rolls the thread back to before the gate's verdicts.
        async for mode, chunk in graph.astream(
            payload,
            _config(run.thread_id),
            context=run.context,
            stream_mode=_STREAM_MODES,
            durability="sync",
            interrupt_after="*",
        ):
            for cycle_event in translator.translate(mode, chunk, step):
                emitted.append(cycle_event)
                out.put_nowait(cycle_event)
        payload = None
        if step.waiting_for_approval:
            state = await graph.aget_state(_config(run.thread_id))
            for cycle_event in translator.approval_requested(state.values.get("gate_verdicts", [])):
                emitted.append(cycle_event)
                out.put_nowait(cycle_event)
        run_log.events(emitted)
        if step.waiting_for_approval:
            return CycleStatus.AWAITING_APPROVAL.value
        if not step.paused:
            return CycleStatus.COMPLETED.value
        # ``record`` always follows ``execute``: the orders just placed get their decision rows.
        if run.stop.is_set() and "execute" not in step.nodes:
            return CycleStatus.CANCELLED.value


def _finished(
    translator: CycleEventTranslator, out: asyncio.Queue[Any], run_log: RunLog, status: str
) -> None:
    finished = translator.make(CycleEventKind.FINISHED, status=status)
    run_log.events([finished])
    out.put_nowait(finished)


async def _drive(run: _Run, out: asyncio.Queue[Any]) -> None:
    """The run itself, in its own task so a cancelled consumer cannot cut a step short."""
    try:
        async with run.context.thread_locks.athread_lock(run.thread_id):
            graph, request, payload = await run.prepare()
            translator = CycleEventTranslator(
                run.thread_id, run.run_id, run.context.clock, on_update=run.on_progress
            )
            if payload is _NOTHING_TO_DO:
                run.result = await _result(graph, run.thread_id, None, "completed")
                out.put_nowait(translator.make(CycleEventKind.FINISHED, status=run.result.status))
                return
            run_log = RunLog(run.context.ledger, run.context.clock, run.run_id, run.thread_id)
            run_log.started(request, run.trigger)
            try:
                status = await _steps(run, graph, payload, translator, out, run_log)
            except Exception as exc:
                run_log.finished("failed", error=f"{type(exc).__name__}: {exc}")
                _finished(translator, out, run_log, "failed")
                raise
            run.result = await _result(graph, run.thread_id, run.run_id, status)
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


async def _consume(run: _Run) -> AsyncGenerator[CycleEvent, None]:
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


def _parts(
    source: TradingContext | TradingEngine, checkpointer: BaseCheckpointSaver[Any] | None
) -> tuple[TradingContext, BaseCheckpointSaver[Any]]:
    if isinstance(source, TradingContext):
        context = source
    else:
        context = source.context
        checkpointer = checkpointer or source.checkpointer
    if checkpointer is None:
        raise TypeError("a checkpointer is needed when running on a bare TradingContext")
    # A fresh per-run LLM budget.
    return dataclasses.replace(context, llm=run_scoped(context.llm)), checkpointer


def _cycle_run(
    source: TradingContext | TradingEngine,
    checkpointer: BaseCheckpointSaver[Any] | None,
    *,
    thread_id: str,
    tickers: Sequence[str] | None,
    mode: WorkflowMode | str | None,
    session_mode: str | None,
    trigger: str,
    on_progress: ProgressCallback | None,
) -> _Run:
    context, saver = _parts(source, checkpointer)
    settings = context.settings

    async def prepare() -> tuple[Any, RunRequest, Any]:
        stored = await _stored_request(saver, thread_id)
        if stored is None:
            request = RunRequest(
                thread_id=thread_id,
                tickers=_tickers(tickers if tickers is not None else settings.universe),
                mode=WorkflowMode(mode or settings.workflow_mode).value,
                session_mode=session_mode or settings.trading_session_mode,
                analysts=tuple(settings.analysts or ()),
            )
            graph = build_graph(request.mode).compile(checkpointer=saver)
            return graph, request, {"request": request}
        _check_resume(stored, tickers, mode, session_mode)
        graph = build_graph(stored.mode).compile(checkpointer=saver)
        state = await graph.aget_state(_config(thread_id))
        waiting = any(task.interrupts for task in state.tasks)
        # ``record`` is the last node on every path; until it has run the thread is unfinished,
        # even when ``state.next`` is empty because the last task's writes are still pending.
        if state.values.get("recorded") or waiting:
            return graph, stored, _NOTHING_TO_DO
        return graph, stored, None

    return _Run(context, saver, thread_id, trigger, prepare, on_progress)


def astream_cycle(
    source: TradingContext | TradingEngine,
    checkpointer: BaseCheckpointSaver[Any] | None = None,
    *,
    thread_id: str,
    tickers: Sequence[str] | None = None,
    mode: WorkflowMode | str | None = None,
    session_mode: str | None = None,
    trigger: str = "cli",
) -> AsyncIterator[CycleEvent]:
    """Run (or resume) the cycle on ``thread_id`` and yield its typed events as they happen.

    Args:
        source: an open ``TradingEngine`` (its checkpointer is used) or a ``TradingContext``.
        checkpointer: required with a bare context.
        tickers, mode, session_mode: for a new thread (``None``: the settings' defaults). On a
            resume, ``None`` keeps what the thread started with and anything else must match it
            (``RequestMismatchError``).
        trigger: what started the run (``cli``, ``api``, ``scheduler``, ...), kept with it.

    Cancelling the consumer (or leaving the loop early) stops the run at the next step boundary,
    after the running step, and after ``record`` if that step was ``execute``; the thread resumes
    from there on its next run. The last event is FINISHED unless the consumer left first.
    """
    run = _cycle_run(
        source,
        checkpointer,
        thread_id=thread_id,
        tickers=tickers,
        mode=mode,
        session_mode=session_mode,
        trigger=trigger,
        on_progress=None,
    )
    return _consume(run)


def _approval_run(
    source: TradingContext | TradingEngine,
    checkpointer: BaseCheckpointSaver[Any] | None,
    *,
    thread_id: str,
    verdict: ApprovalVerdict,
    trigger: str,
    on_progress: ProgressCallback | None,
) -> _Run:
    context, saver = _parts(source, checkpointer)

    # Under the thread's lock, "is it still waiting?" and "resume it" are one step: a second,
    # racing approval finds the thread no longer waiting and is refused, so execute runs once.
    async def prepare() -> tuple[Any, RunRequest, Any]:
        stored = await _stored_request(saver, thread_id)
        if stored is None:
            raise ThreadNotFoundError(f"no checkpoint for thread {thread_id!r}")
        graph = build_graph(stored.mode).compile(checkpointer=saver)
        state = await graph.aget_state(_config(thread_id))
        if not any(task.interrupts for task in state.tasks):
            raise ThreadNotFoundError(f"thread {thread_id!r} is not waiting for an approval")
        return graph, stored, Command(resume=verdict.model_dump(mode="json"))

    return _Run(context, saver, thread_id, trigger, prepare, on_progress)


def astream_approval(
    source: TradingContext | TradingEngine,
    checkpointer: BaseCheckpointSaver[Any] | None = None,
    *,
    thread_id: str,
    verdict: ApprovalVerdict,
    trigger: str = "cli",
) -> AsyncIterator[CycleEvent]:
    """Answer the approval ``thread_id`` waits on and yield the rest of the cycle's events."""
    return _consume(
        _approval_run(
            source,
            checkpointer,
            thread_id=thread_id,
            verdict=verdict,
            trigger=trigger,
            on_progress=None,
        )
    )


async def _finish(run: _Run) -> CycleResult:
    async with aclosing(_consume(run)) as events:
        async for _ in events:
            pass
    assert run.result is not None  # a run that ends without a result raised above
    return run.result


async def arun_cycle(
    source: TradingContext | TradingEngine,
    checkpointer: BaseCheckpointSaver[Any] | None = None,
    *,
    thread_id: str,
    tickers: Sequence[str] | None = None,
    mode: WorkflowMode | str | None = None,
    session_mode: str | None = None,
    on_progress: ProgressCallback | None = None,
    trigger: str = "cli",
) -> CycleResult:
    """Run the cycle on ``thread_id`` to its end (or its approval), as ``astream_cycle`` does."""
    return await _finish(
        _cycle_run(
            source,
            checkpointer,
            thread_id=thread_id,
            tickers=tickers,
            mode=mode,
            session_mode=session_mode,
            trigger=trigger,
            on_progress=on_progress,
        )
    )


async def aapprove(
    source: TradingContext | TradingEngine,
    checkpointer: BaseCheckpointSaver[Any] | None = None,
    *,
    thread_id: str,
    verdict: ApprovalVerdict,
    on_progress: ProgressCallback | None = None,
    trigger: str = "cli",
) -> CycleResult:
    """Answer the approval a supervised thread is waiting on, and run it to the end."""
    return await _finish(
        _approval_run(
            source,
            checkpointer,
            thread_id=thread_id,
            verdict=verdict,
            trigger=trigger,
            on_progress=on_progress,
        )
    )
