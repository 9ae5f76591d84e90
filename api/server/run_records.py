"""Runs this process did not start, read from what every server shares: the ledger and the log.

Why: the run manager knows only the runs of its own process, so behind a load balancer (or after
a restart) a ``GET`` of a run landed on a server that never saw it and answered 404; the SDK
takes a 404 on its reconnect check for "the run is over" and stops following a live run. Every
API run is in the ledger's run store under the id the API gave out (the runner writes it when the
run starts and when it ends, in the database every server of an installation shares), so that is
where its status is read. A run whose start is not yet written (it waits for its thread's lock)
is still in the shared event log (Redis Streams, with REDIS_URL): it is ``pending`` until its
``end`` is logged. What the ledger does not keep (the request's metadata) comes back empty.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.concurrency import run_in_threadpool

from api.server.event_log import EventLog
from api.server.protocol_models import Run
from tools.persistence.records import RunRecord, RunStatus

__all__ = ["stored_run", "stored_runs"]

_API_STATUS = {
    RunStatus.RUNNING: "running",
    RunStatus.COMPLETED: "success",
    RunStatus.AWAITING_APPROVAL: "success",  # it stopped at its approval: the protocol's view
    RunStatus.CANCELLED: "interrupted",
    RunStatus.FAILED: "error",
}


async def _assistant_of(engine: Any, thread_id: str) -> str:
    """``research`` for a thread started as a research cycle, else ``trading``."""
    from graph.cycle_result import thread_config

    saved = await engine.checkpointer.aget_tuple(thread_config(thread_id))
    request = saved.checkpoint["channel_values"].get("request") if saved is not None else None
    return "research" if getattr(request, "mode", None) == "research" else "trading"


def _model(record: RunRecord, assistant_id: str) -> Run:
    return Run(
        run_id=record.run_id,
        thread_id=record.thread_id,
        assistant_id=assistant_id,
        created_at=record.started_at,
        updated_at=record.finished_at or record.started_at,
        status=_API_STATUS[record.status],
        metadata={},
    )


async def stored_run(engine: Any, events: EventLog, thread_id: str, run_id: str) -> Run | None:
    """The run as the ledger (or, before its start is written, the shared log) has it."""
    record = await run_in_threadpool(engine.ledger.runs.run, run_id)
    if record is not None:
        if record.thread_id != thread_id:
            return None
        return _model(record, await _assistant_of(engine, thread_id))
    if not await events.known(run_id):
        return None
    # Logged but not in the ledger: waiting for its thread (pending), or it found nothing to do.
    now = datetime.now(UTC)
    return Run(
        run_id=run_id,
        thread_id=thread_id,
        assistant_id=await _assistant_of(engine, thread_id),
        created_at=now,
        updated_at=now,
        status="success" if await events.ended(run_id) else "pending",
        metadata={},
    )


async def stored_runs(engine: Any, thread_id: str) -> list[Run]:
    """The thread's runs in the ledger, newest first."""
    records = await run_in_threadpool(engine.ledger.runs.runs_for_thread, thread_id)
    if not records:
        return []
    assistant_id = await _assistant_of(engine, thread_id)
    return [_model(r, assistant_id) for r in reversed(records)]
