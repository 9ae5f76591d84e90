"""Runs of threads and their events, as the faces read them (invariant 8).

Why a store of its own: a checkpoint holds a thread's state, not its history; an operator (or the
UI reconnecting to a stream) asks which runs a thread had, how each ended, and what happened in
it after event N. Every run has a trigger (who started it) and its events are numbered by ``seq``
within the run, without gaps from 1.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from domain import CycleEvent, CycleEventKind, EventSeverity, RunEvent, RunRequest
from tools.persistence.errors import LedgerInputError
from tools.persistence.records import RunRecord, RunStatus, RunTrigger
from tools.persistence.schema import RunEventRow, RunRow
from tools.persistence.sql_ledger import ensure_thread
from tools.persistence.store import Store, dialect_insert
from tools.persistence.types import NaiveDatetimeError

__all__ = ["RunStore", "cycle_event_for", "run_store_at"]

_PROBLEMS = (EventSeverity.ERROR, EventSeverity.CRITICAL)
_IN_CHUNK = 500
"""Numbers per ``IN (...)`` lookup: well under SQLite's bound-parameter limit."""


def _record(row: RunRow) -> RunRecord:
    return RunRecord(
        run_id=row.run_id,
        thread_id=row.thread_id,
        trigger=RunTrigger(row.trigger),
        status=RunStatus(row.status),
        started_at=row.started_at,
        finished_at=row.finished_at,
        error=row.error,
        last_seq=row.last_seq,
    )


def cycle_event_for(event: RunEvent, *, thread_id: str, run_id: str, seq: int) -> CycleEvent:
    """The stream's form of a node's run event: ERROR for errors and worse, else WARNING."""
    kind = CycleEventKind.ERROR if event.severity in _PROBLEMS else CycleEventKind.WARNING
    return CycleEvent(
        kind=kind,
        thread_id=thread_id,
        run_id=run_id,
        seq=seq,
        at=event.at,
        node=event.node,
        ticker=event.ticker,
        run_event=event,
    )


def _row_values(event: CycleEvent) -> dict[str, object]:
    run_event = event.run_event
    return {
        "run_id": event.run_id,
        "seq": event.seq,
        "kind": event.kind.value,
        "thread_id": event.thread_id,
        "node": event.node or "",
        "severity": run_event.severity.value if run_event else EventSeverity.INFO.value,
        "message": run_event.message if run_event else "",
        "ticker": event.ticker,
        "context": dict(run_event.context) if run_event else {},
        "at": event.at,
        "payload": event.model_dump(mode="json"),
    }


def _numbered(
    events: Sequence[CycleEvent | RunEvent], *, run_id: str, thread_id: str, last_seq: int
) -> list[CycleEvent]:
    """The batch as stream events: bare run events numbered on from ``last_seq``."""
    numbered: list[CycleEvent] = []
    for event in events:
        if isinstance(event, RunEvent):
            last_seq += 1
            numbered.append(
                cycle_event_for(event, thread_id=thread_id, run_id=run_id, seq=last_seq)
            )
            continue
        if (event.run_id, event.thread_id) != (run_id, thread_id):
            raise LedgerInputError(
                f"event {event.seq} belongs to run {event.run_id} of thread "
                f"{event.thread_id}, not run {run_id} of thread {thread_id}"
            )
        last_seq = max(last_seq, event.seq)
        numbered.append(event)
    return numbered


def _not_yet_stored(session: Session, run_id: str, events: list[CycleEvent]) -> list[CycleEvent]:
    """The events of the batch that are new; a resent one must equal what is on record.

    Why read first instead of ON CONFLICT: the run row is locked, so no other writer adds
    events to this run meanwhile, and a replay after a reconnect is told apart from a
    different event under a taken number (refused, nothing of the batch written).
    """
    seqs = [e.seq for e in events]
    on_record: dict[int, Any] = {}
    for chunk in range(0, len(seqs), _IN_CHUNK):
        query = select(RunEventRow.seq, RunEventRow.payload).where(
            RunEventRow.run_id == run_id, RunEventRow.seq.in_(seqs[chunk : chunk + _IN_CHUNK])
        )
        on_record.update((seq, payload) for seq, payload in session.execute(query))
    fresh: list[CycleEvent] = []
    for event in events:
        if event.seq in on_record:
            if CycleEvent.model_validate(on_record[event.seq]) != event:
                raise LedgerInputError(f"run {run_id} already has a different event {event.seq}")
            continue
        on_record[event.seq] = event.model_dump(mode="json")  # a batch repeating itself
        fresh.append(event)
    return fresh


class RunStore:
    """Runs (trigger, status, timings, error) and their numbered events."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- runs -----------------------------------------------------------------------------------

    def start_run(
        self, run_id: str, request: RunRequest, *, trigger: RunTrigger, at: datetime
    ) -> RunRecord:
        """Record that a run of ``request.thread_id`` started (creating the thread row once).

        Idempotent: starting the same run id again returns the stored run unchanged.
        """
        with self.store.write() as session:
            ensure_thread(
                session,
                request.thread_id,
                at,
                mode=request.mode,
                session_mode=request.session_mode,
                tickers=list(request.tickers),
            )
            insert = dialect_insert(session)
            session.execute(
                insert(RunRow)
                .values(
                    run_id=run_id,
                    thread_id=request.thread_id,
                    trigger=trigger.value,
                    status=RunStatus.RUNNING.value,
                    started_at=at,
                    last_seq=0,
                )
                .on_conflict_do_nothing()
            )
            row = session.get(RunRow, run_id)
            assert row is not None
            if row.thread_id != request.thread_id:
                raise LedgerInputError(
                    f"run {run_id} belongs to thread {row.thread_id}, not {request.thread_id}"
                )
            return _record(row)

    def finish_run(
        self, run_id: str, status: RunStatus, *, at: datetime, error: str | None = None
    ) -> RunRecord:
        """Record how a run ended; ``FAILED`` needs the error so the operator sees why.

        A run ends once: finishing it again with the same status is a no-op, with another one an
        error (a cancelled run must not later read as completed).
        """
        if not status.is_final:
            raise LedgerInputError("finish_run needs a final status, not RUNNING")
        if status is RunStatus.FAILED and not error:
            raise LedgerInputError(f"run {run_id} failed: the error must be recorded")
        with self.store.write() as session:
            # One conditional UPDATE, so two finishers (a cancel racing a completion) cannot both
            # see RUNNING: exactly one of them ends the run.
            ended = session.scalars(
                update(RunRow)
                .where(RunRow.run_id == run_id, RunRow.status == RunStatus.RUNNING.value)
                .values(status=status.value, finished_at=at, error=error)
                .returning(RunRow)
            ).first()
            if ended is not None:
                return _record(ended)
            row = session.get(RunRow, run_id)
            if row is None:
                raise LedgerInputError(f"run {run_id} was never started")
            if row.status != status.value:
                raise LedgerInputError(
                    f"run {run_id} already ended as {row.status}; cannot end it as {status.value}"
                )
            return _record(row)

    def run(self, run_id: str) -> RunRecord | None:
        with self.store.sessions() as session:
            row = session.get(RunRow, run_id)
            return _record(row) if row is not None else None

    def runs_for_thread(self, thread_id: str) -> list[RunRecord]:
        """A thread's runs, oldest first (a thread is started, then resumed)."""
        query = (
            select(RunRow)
            .where(RunRow.thread_id == thread_id)
            .order_by(RunRow.started_at, RunRow.run_id)
        )
        with self.store.sessions() as session:
            return [_record(row) for row in session.scalars(query)]

    def recent_runs(self, *, limit: int = 50, status: RunStatus | None = None) -> list[RunRecord]:
        """The newest runs first, optionally only those with ``status`` (e.g. RUNNING)."""
        query = select(RunRow).order_by(RunRow.started_at.desc(), RunRow.run_id.desc())
        if status is not None:
            query = query.where(RunRow.status == status.value)
        with self.store.sessions() as session:
            return [_record(row) for row in session.scalars(query.limit(limit))]

    # -- events ---------------------------------------------------------------------------------

    def record_events(
        self, run_id: str, events: Sequence[CycleEvent | RunEvent]
    ) -> list[CycleEvent]:
        """Store a run's events in order, in one transaction; return them as stored.

        A ``CycleEvent`` keeps the ``seq`` the stream gave it (storing the same event twice is a
        no-op; a different event under a taken ``seq`` is refused). A bare ``RunEvent`` (a warning
        or error recorded outside a stream) gets the run's next ``seq``. The run row is locked
        for the transaction, so concurrent writers of one run never hand out a number twice.

        Why one batch: a 100-ticker cycle records hundreds of events per super-step; one
        statement per event cost about a millisecond each on the event loop. The events already
        on record are read in one query and the new ones inserted in one multi-row statement.
        """
        if not events:
            return []
        with self.store.write() as session:
            locked = session.execute(
                update(RunRow)
                .where(RunRow.run_id == run_id)
                .values(last_seq=RunRow.last_seq)
                .returning(RunRow.thread_id, RunRow.last_seq)
            ).first()
            if locked is None:
                raise LedgerInputError(f"run {run_id} was never started; start it first")
            thread_id, last_seq = locked
            stored = _numbered(events, run_id=run_id, thread_id=thread_id, last_seq=last_seq)
            fresh = _not_yet_stored(session, run_id, stored)
            if fresh:
                session.execute(insert(RunEventRow), [_row_values(e) for e in fresh])
            top = max([last_seq, *(e.seq for e in stored)])
            session.execute(update(RunRow).where(RunRow.run_id == run_id).values(last_seq=top))
            return stored

    def events_after(
        self, run_id: str, after_seq: int = 0, *, limit: int | None = None
    ) -> list[CycleEvent]:
        """The run's events with ``seq > after_seq``, in order: how a stream resumes after N."""
        query = (
            select(RunEventRow.payload)
            .where(RunEventRow.run_id == run_id, RunEventRow.seq > after_seq)
            .order_by(RunEventRow.seq)
        )
        if limit is not None:
            query = query.limit(limit)
        with self.store.sessions() as session:
            return [CycleEvent.model_validate(p) for p in session.scalars(query)]

    def prune_events(self, cutoff: datetime, *, dry_run: bool = False) -> int:
        """Delete run events recorded before ``cutoff`` (``dry_run``: count them); how many.

        Why only events: runs and the books stay (they are the record of what was traded);
        events are the verbose trace of each run, kept for as long as retention says.
        """
        if cutoff.tzinfo is None:
            raise NaiveDatetimeError(f"cutoff {cutoff.isoformat()} has no time zone")
        old = RunEventRow.at < cutoff
        with self.store.write() as session:
            if dry_run:
                return int(session.scalar(select(func.count()).where(old)) or 0)
            result = session.execute(delete(RunEventRow).where(old))
            return int(result.rowcount)  # type: ignore[attr-defined]

    def events_for_thread(self, thread_id: str, *, limit: int = 200) -> list[CycleEvent]:
        """The events of every run of a thread, oldest first (the operator's thread view)."""
        query = (
            select(RunEventRow.payload)
            .where(RunEventRow.thread_id == thread_id)
            .order_by(RunEventRow.at, RunEventRow.run_id, RunEventRow.seq)
            .limit(limit)
        )
        with self.store.sessions() as session:
            return [CycleEvent.model_validate(p) for p in session.scalars(query)]

    def problems_for_thread(self, thread_id: str) -> list[CycleEvent]:
        """Every warning and error of every run of a thread, in time order."""
        kinds = (CycleEventKind.WARNING.value, CycleEventKind.ERROR.value)
        query = (
            select(RunEventRow.payload)
            .where(RunEventRow.thread_id == thread_id, RunEventRow.kind.in_(kinds))
            .order_by(RunEventRow.at, RunEventRow.run_id, RunEventRow.seq)
        )
        with self.store.sessions() as session:
            return [CycleEvent.model_validate(p) for p in session.scalars(query)]


@contextmanager
def run_store_at(database_url: str) -> Iterator[RunStore]:
    """The runs of the store at ``database_url``, for maintenance jobs; never migrates it."""
    store = Store.open(database_url, auto_upgrade=False)
    try:
        yield RunStore(store)
    finally:
        store.close()
