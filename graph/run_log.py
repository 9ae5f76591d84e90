"""The durable trace of a run: that it started, how it ended, and its warnings and errors.

Why: invariant 8. What an operator or the UI will ask about later ("did last night's scheduled
cycle run? why did it fail?") must be in the database, not only on a terminal or in a checkpoint.
The runner calls this at the start and end of every run and after every step (all of the step's
events, numbered as the stream numbered them, so a face that reconnects can replay a run and its
warnings and errors are on record); the SQL ledger's run store owns the tables.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from domain import CycleEvent, RunRequest
from tools.clock import Clock
from tools.observability import report
from tools.persistence.ledger import Ledger
from tools.persistence.records import RunStatus, RunTrigger
from tools.persistence.sql_ledger import SqlLedger

__all__ = ["RunLog"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RunLog:
    """Writes one run's records; a ledger without books (a test double) records nothing."""

    ledger: Ledger
    clock: Clock
    run_id: str
    thread_id: str

    def started(self, request: RunRequest, trigger: str) -> None:
        report.run_started(self.run_id, self.thread_id, request.mode, trigger)
        if isinstance(self.ledger, SqlLedger):
            self.ledger.runs.start_run(
                self.run_id, request, trigger=RunTrigger(trigger), at=self.clock.now()
            )

    def finished(self, status: str, *, error: str | None = None) -> None:
        """``status`` is the FINISHED event's status (``completed``, ``cancelled``, ...)."""
        if isinstance(self.ledger, SqlLedger):
            self.ledger.runs.finish_run(
                self.run_id, RunStatus(status), at=self.clock.now(), error=error
            )
        log.info("run %s of thread %s ended: %s", self.run_id, self.thread_id, status)

    def events(self, events: Sequence[CycleEvent]) -> None:
        """Persist a step's events (its warnings and errors among them) once the step has ended."""
        report.cycle_events(events)
        if events and isinstance(self.ledger, SqlLedger):
            self.ledger.runs.record_events(self.run_id, events)
