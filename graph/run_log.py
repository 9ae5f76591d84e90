"""The durable trace of a run: that it started, how it ended, and its warnings and errors.

Why: invariant 8. What an operator or the UI will ask about later ("did last night's scheduled
cycle run? why did it fail?") must be in the database, not only on a terminal or in a checkpoint.
The runner calls this at the start and end of every run and after every step (all of the step's
events, numbered as the stream numbered them, so a face that reconnects can replay a run and its
warnings and errors are on record); the SQL ledger's run store owns the tables.

Why the writes run beside the graph rather than between its steps: the driver runs one super-step
at a time, so a write at the boundary (one transaction and its commit to disk) delayed every next
step. The writes go to one writer thread, in the order they were made, and the driver waits for
them where it matters: after a step that ran ``execute`` (the order step's events are on disk
before ``record`` starts, so a crash there still leaves them) and at the end of the run, before
the thread's lock is released. A write that fails is raised at the next wait, so a broken ledger
still fails the run.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from threading import Lock

from domain import CycleEvent, RunRequest
from tools.clock import Clock
from tools.persistence.ledger import Ledger
from tools.persistence.records import RunStatus, RunTrigger
from tools.persistence.sql_ledger import SqlLedger

__all__ = ["RunLog"]

log = logging.getLogger(__name__)

_WRITER: ThreadPoolExecutor | None = None
_WRITER_LOCK = Lock()


def _writer() -> ThreadPoolExecutor:
    """The process's one run-log writer: a single thread, so writes land in submission order."""
    global _WRITER
    with _WRITER_LOCK:
        if _WRITER is None:
            _WRITER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="run-log")
        return _WRITER


@dataclass(slots=True)
class RunLog:
    """Writes one run's records; a ledger without books (a test double) records nothing."""

    ledger: Ledger
    clock: Clock
    run_id: str
    thread_id: str
    _pending: list[Future[object]] = field(default_factory=list)

    def _submit(self, write: Callable[[SqlLedger], object]) -> None:
        ledger = self.ledger
        if isinstance(ledger, SqlLedger):
            self._pending.append(_writer().submit(write, ledger))

    def started(self, request: RunRequest, trigger: str) -> None:
        at = self.clock.now()
        self._submit(
            lambda ledger: ledger.runs.start_run(
                self.run_id, request, trigger=RunTrigger(trigger), at=at
            )
        )

    def finished(self, status: str, *, error: str | None = None) -> None:
        """``status`` is the FINISHED event's status (``completed``, ``cancelled``, ...)."""
        at = self.clock.now()
        self._submit(
            lambda ledger: ledger.runs.finish_run(
                self.run_id, RunStatus(status), at=at, error=error
            )
        )
        log.info("run %s of thread %s ended: %s", self.run_id, self.thread_id, status)

    def events(self, events: Sequence[CycleEvent]) -> None:
        """Persist a step's events (its warnings and errors among them) once the step has ended."""
        if events:
            batch = list(events)
            self._submit(lambda ledger: ledger.runs.record_events(self.run_id, batch))

    async def settled(self) -> None:
        """Wait until every write made so far is on disk; raise the first one that failed."""
        pending, self._pending = self._pending, []
        if not pending:
            return
        done = await asyncio.gather(
            *(asyncio.wrap_future(f) for f in pending), return_exceptions=True
        )
        failures = [d for d in done if isinstance(d, BaseException)]
        if failures:
            raise failures[0]
