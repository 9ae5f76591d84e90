"""Runs of the HTTP face: each in its own background task, decoupled from every connection.

Why decoupled: the systems we replace ran the graph inside the HTTP response, so a client that
went away mid-run either cancelled it (an order sent, never recorded) or left it orphaned. Here a
request only starts a run and reads its event log; the run appends to the log whatever happens to
its clients. Cancelling is explicit (``cancel``), and the runner stops at the next step boundary,
never between ``execute`` and ``record``.

One active run per thread in this process (a second is ``ThreadBusyError``, 409); across processes
the runner's thread lock still holds. Every run's log starts with ``metadata`` (run id, attempt)
and ends with ``end``; cycle events travel as ``custom`` events, each finished node also as an
``updates`` event, each LLM answer also as a ``messages`` event (``messages-tuple``), and the
closing events (the final ``values``) come just before ``end``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from api.server.event_log import END_EVENT, EventLog
from api.server.messages import MESSAGES_EVENT, message_tuple
from domain import CycleEvent, CycleEventKind

__all__ = ["ApiRun", "ApiRunStatus", "RunManager", "ThreadBusyError", "UnknownRunError"]

log = logging.getLogger(__name__)

EventSource = Callable[[str], AsyncIterator[CycleEvent | tuple[str, str]]]
"""Given the run id, the run's typed events (``astream_cycle`` / ``astream_approval`` bound),
or ready ``(event, data)`` pairs (the research assistant's turn, api/server/research_runs.py)."""

ClosingEvents = Callable[[], Awaitable[list[tuple[str, str]]]]
"""Events logged after the run's own and before ``end`` (the protocol's final ``values``)."""


class ApiRunStatus(StrEnum):
    """The protocol's run statuses (a run that paused at its approval ends ``success``)."""

    PENDING = "pending"
    RUNNING = "running"
    SUCCESS = "success"
    ERROR = "error"
    INTERRUPTED = "interrupted"
    """Cancelled by a client."""


class ThreadBusyError(RuntimeError):
    """The thread already has an active run here."""


class UnknownRunError(LookupError):
    pass


@dataclass
class ApiRun:
    run_id: str
    thread_id: str
    assistant_id: str
    metadata: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    status: ApiRunStatus = ApiRunStatus.PENDING
    cycle_status: str | None = None
    """The cycle's own FINISHED status: completed, awaiting_approval, cancelled, failed."""
    error: str | None = None
    task: asyncio.Task[None] | None = field(default=None, repr=False)

    @property
    def active(self) -> bool:
        return self.status in (ApiRunStatus.PENDING, ApiRunStatus.RUNNING)


_STATUS_OF_CYCLE = {"cancelled": ApiRunStatus.INTERRUPTED, "failed": ApiRunStatus.ERROR}
"""A cycle that completed or waits for its approval is a successful run (the protocol's view)."""


def _now() -> datetime:
    return datetime.now(UTC)


class RunManager:
    """Starts, tracks, cancels and shuts down the runs of this server process."""

    def __init__(self, events: EventLog) -> None:
        self._events = events
        self._runs: dict[str, ApiRun] = {}
        self._active: dict[str, str] = {}
        """thread id -> its active run id."""
        self._guard = asyncio.Lock()

    async def start(
        self,
        thread_id: str,
        source: EventSource,
        *,
        assistant_id: str,
        metadata: dict[str, Any] | None = None,
        closing: ClosingEvents | None = None,
    ) -> ApiRun:
        """Start a run of ``thread_id`` in the background; ``ThreadBusyError`` if one is active."""
        async with self._guard:
            busy = self._active.get(thread_id)
            if busy is not None:
                raise ThreadBusyError(f"thread {thread_id} has an active run {busy}")
            now = _now()
            run = ApiRun(
                run_id=str(uuid.uuid4()),
                thread_id=thread_id,
                assistant_id=assistant_id,
                metadata=dict(metadata or {}),
                created_at=now,
                updated_at=now,
            )
            self._runs[run.run_id] = run
            self._active[thread_id] = run.run_id
            await self._events.append(
                run.run_id, "metadata", json.dumps({"run_id": run.run_id, "attempt": 1})
            )
            run.task = asyncio.create_task(
                self._drive(run, source, closing), name=f"api-run:{run.run_id}"
            )
        return run

    async def _drive(
        self, run: ApiRun, source: EventSource, closing: ClosingEvents | None = None
    ) -> None:
        run.status, run.updated_at = ApiRunStatus.RUNNING, _now()
        stream = source(run.run_id)
        try:
            try:
                async for event in stream:
                    if isinstance(event, tuple):  # already an (event, data) pair
                        await self._events.append(run.run_id, *event)
                        continue
                    await self._events.append(run.run_id, "custom", event.model_dump_json())
                    message = message_tuple(event)
                    if message is not None:
                        await self._events.append(run.run_id, MESSAGES_EVENT, message)
                    if event.kind is CycleEventKind.NODE_FINISHED and event.node:
                        update = {event.node: {"duration_ms": event.duration_ms}}
                        await self._events.append(run.run_id, "updates", json.dumps(update))
                    if event.kind is CycleEventKind.FINISHED:
                        run.cycle_status = event.status
            finally:
                close = getattr(stream, "aclose", None)
                if close is not None:
                    await close()  # the runner drains to a step boundary before it returns
            run.status = _STATUS_OF_CYCLE.get(run.cycle_status or "", ApiRunStatus.SUCCESS)
        except asyncio.CancelledError:
            run.status = ApiRunStatus.INTERRUPTED  # the runner drained to a boundary first
        except Exception as exc:
            log.exception("run %s of thread %s failed", run.run_id, run.thread_id)
            run.status, run.error = ApiRunStatus.ERROR, f"{type(exc).__name__}: {exc}"
            await self._events.append(
                run.run_id, "error", json.dumps({"error": type(exc).__name__, "message": str(exc)})
            )
        finally:
            run.updated_at = _now()
            async with self._guard:
                if self._active.get(run.thread_id) == run.run_id:
                    del self._active[run.thread_id]
            await asyncio.shield(self._close_log(run, closing))

    async def _close_log(self, run: ApiRun, closing: ClosingEvents | None) -> None:
        if closing is not None:
            try:
                for event, data in await closing():
                    await self._events.append(run.run_id, event, data)
            except Exception:  # the end event must still go out
                log.exception("closing events of run %s failed", run.run_id)
        await self._events.append(run.run_id, END_EVENT, "null")

    def get(self, thread_id: str, run_id: str) -> ApiRun:
        run = self._runs.get(run_id)
        if run is None or run.thread_id != thread_id:
            raise UnknownRunError(f"no run {run_id} on thread {thread_id}")
        return run

    def runs_of(self, thread_id: str) -> list[ApiRun]:
        """The thread's runs started by this process, newest first."""
        mine = [r for r in self._runs.values() if r.thread_id == thread_id]
        return sorted(mine, key=lambda r: r.created_at, reverse=True)

    def active_run(self, thread_id: str) -> ApiRun | None:
        run_id = self._active.get(thread_id)
        return self._runs[run_id] if run_id is not None else None

    async def join(self, run: ApiRun) -> ApiRun:
        """Wait for the run to end (whatever its clients do)."""
        if run.task is not None:
            await asyncio.wait({run.task})
        return run

    async def cancel(self, run: ApiRun, *, wait: bool = False) -> ApiRun:
        """Ask the run to stop at its next step boundary (``wait``: until it has)."""
        if run.task is not None and not run.task.done():
            run.task.cancel()
            if wait:
                await asyncio.wait({run.task})
        return run

    async def cancel_if_mine(self, run_id: str) -> None:
        """Cancel ``run_id`` if this process runs it (a request another server relayed)."""
        run = self._runs.get(run_id)
        if run is not None and run.active:
            await self.cancel(run)

    async def shutdown(self) -> None:
        """Stop every active run at a boundary (server shutdown), waiting for each."""
        tasks = [r.task for r in self._runs.values() if r.task is not None and not r.task.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)
