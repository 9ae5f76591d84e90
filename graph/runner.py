"""Running one trading cycle on a thread: start, resume, answer an approval, stream its events.

This is the engine's public face; the CLI, the HTTP API (SSE) and the scheduler call the same
functions. A thread is one cycle: running it again resumes it from its checkpoint (and never
submits an order twice), or, if it already finished, reports what it did. How a run is driven,
and where a cancellation takes effect, is ``graph.run_driver``'s business.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Sequence
from contextlib import aclosing
from typing import TYPE_CHECKING, Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.types import Command

from domain import ApprovalVerdict, CycleEvent, RunRequest
from graph.builder import build_graph
from graph.context import TradingContext
from graph.cycle_result import CycleResult, CycleStatus, thread_config
from graph.modes import WorkflowMode
from graph.run_driver import NOTHING_TO_DO, CycleRun, ProgressCallback, consume
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


def _tickers(tickers: Sequence[str]) -> tuple[str, ...]:
    return tuple(t.strip().upper() for t in tickers if t.strip())


async def _stored_request(
    checkpointer: BaseCheckpointSaver[Any], thread_id: str
) -> RunRequest | None:
    saved = await checkpointer.aget_tuple(thread_config(thread_id))
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
    analysts: Sequence[str] | None = None,
) -> None:
    asked: list[str] = []
    if tickers is not None and set(_tickers(tickers)) != set(stored.tickers):
        asked.append(f"tickers {list(_tickers(tickers))} (started with {list(stored.tickers)})")
    if mode is not None and WorkflowMode(mode).value != stored.mode:
        asked.append(f"mode {WorkflowMode(mode).value} (started with {stored.mode})")
    if session_mode is not None and session_mode != stored.session_mode:
        asked.append(f"session mode {session_mode} (started with {stored.session_mode})")
    if analysts is not None and tuple(analysts) != stored.analysts:
        asked.append(f"analysts {list(analysts)} (started with {list(stored.analysts)})")
    if asked:
        raise RequestMismatchError(
            f"thread {stored.thread_id!r} cannot be resumed with "
            + "; ".join(asked)
            + ": start a new thread, or resume without those options"
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
    run_id: str | None = None,
    analysts: Sequence[str] | None = None,
) -> CycleRun:
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
                # The caller's roster for this thread only; otherwise the configured one.
                analysts=tuple(analysts if analysts is not None else settings.analysts or ()),
            )
            graph = build_graph(request.mode).compile(checkpointer=saver)
            return graph, request, {"request": request}
        _check_resume(stored, tickers, mode, session_mode, analysts)
        graph = build_graph(stored.mode).compile(checkpointer=saver)
        state = await graph.aget_state(thread_config(thread_id))
        waiting = any(task.interrupts for task in state.tasks)
        # ``record`` is the last node on every path; until it has run the thread is unfinished,
        # even when ``state.next`` is empty because the last task's writes are still pending.
        if state.values.get("recorded") or waiting:
            return graph, stored, NOTHING_TO_DO
        return graph, stored, None

    return _with_id(CycleRun(context, saver, thread_id, trigger, prepare, on_progress), run_id)


def _with_id(run: CycleRun, run_id: str | None) -> CycleRun:
    """The run under the id a face already gave out (the API answers with it before it runs)."""
    if run_id is not None:
        run.run_id = run_id
    return run


def astream_cycle(
    source: TradingContext | TradingEngine,
    checkpointer: BaseCheckpointSaver[Any] | None = None,
    *,
    thread_id: str,
    tickers: Sequence[str] | None = None,
    mode: WorkflowMode | str | None = None,
    session_mode: str | None = None,
    trigger: str = "cli",
    run_id: str | None = None,
    analysts: Sequence[str] | None = None,
) -> AsyncIterator[CycleEvent]:
    """Run (or resume) the cycle on ``thread_id`` and yield its typed events as they happen.

    Args:
        source: an open ``TradingEngine`` (its checkpointer is used) or a ``TradingContext``.
        checkpointer: required with a bare context.
        tickers, mode, session_mode: for a new thread (``None``: the settings' defaults). On a
            resume, ``None`` keeps what the thread started with and anything else must match it
            (``RequestMismatchError``).
        trigger: what started the run (``cli``, ``api``, ``scheduler``, ...), kept with it.
        run_id: the run's id when the caller has already named it (default: a fresh one).
        analysts: the analyst roster for a new thread (``None``: the settings' roster); kept with
            the thread, so a resume naming another roster is refused like other tickers.

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
        run_id=run_id,
        analysts=analysts,
    )
    return consume(run)


def _approval_run(
    source: TradingContext | TradingEngine,
    checkpointer: BaseCheckpointSaver[Any] | None,
    *,
    thread_id: str,
    verdict: ApprovalVerdict,
    trigger: str,
    on_progress: ProgressCallback | None,
    run_id: str | None = None,
) -> CycleRun:
    context, saver = _parts(source, checkpointer)

    # Under the thread's lock, "is it still waiting?" and "resume it" are one step: a second,
    # racing approval finds the thread no longer waiting and is refused, so execute runs once.
    async def prepare() -> tuple[Any, RunRequest, Any]:
        stored = await _stored_request(saver, thread_id)
        if stored is None:
            raise ThreadNotFoundError(f"no checkpoint for thread {thread_id!r}")
        graph = build_graph(stored.mode).compile(checkpointer=saver)
        state = await graph.aget_state(thread_config(thread_id))
        if not any(task.interrupts for task in state.tasks):
            raise ThreadNotFoundError(f"thread {thread_id!r} is not waiting for an approval")
        return graph, stored, Command(resume=verdict.model_dump(mode="json"))

    return _with_id(CycleRun(context, saver, thread_id, trigger, prepare, on_progress), run_id)


def astream_approval(
    source: TradingContext | TradingEngine,
    checkpointer: BaseCheckpointSaver[Any] | None = None,
    *,
    thread_id: str,
    verdict: ApprovalVerdict,
    trigger: str = "cli",
    run_id: str | None = None,
) -> AsyncIterator[CycleEvent]:
    """Answer the approval ``thread_id`` waits on and yield the rest of the cycle's events."""
    return consume(
        _approval_run(
            source,
            checkpointer,
            thread_id=thread_id,
            verdict=verdict,
            trigger=trigger,
            on_progress=None,
            run_id=run_id,
        )
    )


async def _finish(run: CycleRun) -> CycleResult:
    async with aclosing(consume(run)) as events:
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
    analysts: Sequence[str] | None = None,
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
            analysts=analysts,
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
