"""Runs and their numbered events on real SQLite and Postgres stores (invariant 8).

What the faces rely on: a run has a trigger, a status and timings; it ends once; its events come
back typed, in ``seq`` order without gaps, and a stream can resume after event N, even when
several writers record events of one run at the same moment.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest

from domain import (
    CycleEvent,
    CycleEventKind,
    EventSeverity,
    GateOutcome,
    RunEvent,
    RunRequest,
)
from tests.unit.persistence.state_factory import AS_OF, full_trading_state
from tools.persistence.errors import LedgerInputError
from tools.persistence.records import RunStatus, RunTrigger
from tools.persistence.sql_ledger import SqlLedger

REQUEST = RunRequest(thread_id="t-run", tickers=("AAPL",), mode="full", session_mode="supervised")


@pytest.fixture
def ledger(database_url: str) -> Iterator[SqlLedger]:
    opened = SqlLedger.from_url(database_url, auto_upgrade=True)
    yield opened
    opened.close()


def _warning(message: str, minute: int = 0, severity: EventSeverity = EventSeverity.WARNING):
    return RunEvent(
        node="analysts",
        severity=severity,
        message=message,
        at=AS_OF + timedelta(minutes=minute),
        ticker="AAPL",
        context={"analyst": "technicals"},
    )


def _cycle(seq: int, kind: CycleEventKind, run_id: str = "r-1", **fields: object) -> CycleEvent:
    return CycleEvent(
        kind=kind,
        thread_id=REQUEST.thread_id,
        run_id=run_id,
        seq=seq,
        at=AS_OF + timedelta(seconds=seq),
        **fields,  # type: ignore[arg-type]
    )


def test_a_run_records_trigger_status_and_timings(ledger: SqlLedger) -> None:
    runs = ledger.runs
    started = runs.start_run("r-1", REQUEST, trigger=RunTrigger.SCHEDULER, at=AS_OF)
    assert (started.status, started.trigger, started.finished_at) == (
        RunStatus.RUNNING,
        RunTrigger.SCHEDULER,
        None,
    )
    assert runs.start_run("r-1", REQUEST, trigger=RunTrigger.CLI, at=AS_OF) == started
    done = runs.finish_run("r-1", RunStatus.AWAITING_APPROVAL, at=AS_OF + timedelta(seconds=5))
    assert done.status is RunStatus.AWAITING_APPROVAL
    assert done.finished_at == AS_OF + timedelta(seconds=5)
    runs.start_run("r-2", REQUEST, trigger=RunTrigger.API, at=AS_OF + timedelta(minutes=1))
    with pytest.raises(LedgerInputError, match="error must be recorded"):
        runs.finish_run("r-2", RunStatus.FAILED, at=AS_OF)
    runs.finish_run("r-2", RunStatus.FAILED, at=AS_OF, error="broker timeout")
    with pytest.raises(LedgerInputError, match="never started"):
        runs.finish_run("r-9", RunStatus.COMPLETED, at=AS_OF)
    with pytest.raises(LedgerInputError, match="final status"):
        runs.finish_run("r-2", RunStatus.RUNNING, at=AS_OF)
    assert [(r.run_id, r.status, r.trigger, r.error) for r in runs.runs_for_thread("t-run")] == [
        ("r-1", RunStatus.AWAITING_APPROVAL, RunTrigger.SCHEDULER, None),
        ("r-2", RunStatus.FAILED, RunTrigger.API, "broker timeout"),
    ]
    assert runs.run("r-2") == runs.runs_for_thread("t-run")[1]
    assert runs.run("r-nope") is None


def test_a_run_ends_once(ledger: SqlLedger) -> None:
    ledger.runs.start_run("r-1", REQUEST, trigger=RunTrigger.CLI, at=AS_OF)
    ledger.runs.finish_run("r-1", RunStatus.CANCELLED, at=AS_OF)
    assert ledger.runs.finish_run("r-1", RunStatus.CANCELLED, at=AS_OF).status is (
        RunStatus.CANCELLED
    )
    with pytest.raises(LedgerInputError, match="already ended as cancelled"):
        ledger.runs.finish_run("r-1", RunStatus.COMPLETED, at=AS_OF)


def test_recent_runs_are_newest_first_and_filter_by_status(ledger: SqlLedger) -> None:
    for i in range(3):
        ledger.runs.start_run(f"r-{i}", REQUEST, trigger=RunTrigger.CLI, at=AS_OF + timedelta(i))
    ledger.runs.finish_run("r-1", RunStatus.COMPLETED, at=AS_OF + timedelta(days=1))
    assert [r.run_id for r in ledger.runs.recent_runs()] == ["r-2", "r-1", "r-0"]
    assert [r.run_id for r in ledger.runs.recent_runs(status=RunStatus.RUNNING)] == ["r-2", "r-0"]
    assert [r.run_id for r in ledger.runs.recent_runs(limit=1)] == ["r-2"]


def test_run_events_get_numbers_and_come_back_typed(ledger: SqlLedger) -> None:
    ledger.runs.start_run("r-1", REQUEST, trigger=RunTrigger.CLI, at=AS_OF)
    first = ledger.runs.record_events("r-1", [_warning("slow feed"), _warning("no LLM", 1)])
    assert [(e.seq, e.kind) for e in first] == [(1, CycleEventKind.WARNING)] * 1 + [
        (2, CycleEventKind.WARNING)
    ]
    failed = ledger.runs.record_events(
        "r-1", [_warning("broker down", 2, severity=EventSeverity.CRITICAL)]
    )
    assert [(e.seq, e.kind) for e in failed] == [(3, CycleEventKind.ERROR)]
    stored = ledger.runs.events_after("r-1")
    assert stored == first + failed
    assert stored[0].run_event == _warning("slow feed")
    assert ledger.runs.events_after("r-1", 2) == failed
    assert ledger.runs.events_after("r-1", 1, limit=1) == first[1:]
    assert ledger.runs.run("r-1").last_seq == 3  # type: ignore[union-attr]


def test_stream_events_keep_their_numbers_and_a_replay_is_a_no_op(ledger: SqlLedger) -> None:
    state = full_trading_state()
    verdict = state["gate_verdicts"][0]
    ledger.runs.start_run("r-1", REQUEST, trigger=RunTrigger.API, at=AS_OF)
    stream = [
        _cycle(1, CycleEventKind.NODE_STARTED, node="risk_gate"),
        _cycle(2, CycleEventKind.GATE_VERDICT, node="risk_gate", gate_verdict=verdict),
        _cycle(3, CycleEventKind.NODE_FINISHED, node="risk_gate", duration_ms=12.5),
        _cycle(4, CycleEventKind.FINISHED, status=RunStatus.COMPLETED.value),
    ]
    ledger.runs.record_events("r-1", stream[:2])
    ledger.runs.record_events("r-1", stream[1:])  # the stream resent event 2 after a reconnect
    back = ledger.runs.events_after("r-1")
    assert back == stream
    assert back[1].gate_verdict is not None and back[1].gate_verdict.outcome is verdict.outcome
    assert isinstance(back[1].gate_verdict.approved_qty, Decimal)
    assert verdict.outcome in set(GateOutcome)
    # a node's warning recorded after the stream continues the numbering
    (late,) = ledger.runs.record_events("r-1", [_warning("late fill")])
    assert late.seq == 5


def test_a_different_event_under_a_taken_number_is_refused(ledger: SqlLedger) -> None:
    ledger.runs.start_run("r-1", REQUEST, trigger=RunTrigger.CLI, at=AS_OF)
    ledger.runs.record_events("r-1", [_cycle(1, CycleEventKind.NODE_STARTED, node="analysts")])
    with pytest.raises(LedgerInputError, match="different event 1"):
        ledger.runs.record_events("r-1", [_cycle(1, CycleEventKind.NODE_STARTED, node="execute")])
    with pytest.raises(LedgerInputError, match="never started"):
        ledger.runs.record_events("r-404", [_warning("x")])
    with pytest.raises(LedgerInputError, match="belongs to run r-2"):
        ledger.runs.record_events("r-1", [_cycle(2, CycleEventKind.WARNING, run_id="r-2")])
    assert [e.node for e in ledger.runs.events_after("r-1")] == ["analysts"]


def test_concurrent_writers_of_one_run_never_share_a_number(database_url: str) -> None:
    """Four writers, each on its own connection pool, 15 warnings each: seq 1..60, no gaps."""
    setup = SqlLedger.from_url(database_url, auto_upgrade=True)
    setup.runs.start_run("r-race", REQUEST, trigger=RunTrigger.CLI, at=AS_OF)
    writers = [SqlLedger.from_url(database_url) for _ in range(4)]
    barrier = threading.Barrier(len(writers))
    errors: list[BaseException] = []

    def write(ledger: SqlLedger, n: int) -> None:
        try:
            barrier.wait()
            for i in range(15):
                ledger.runs.record_events("r-race", [_warning(f"w{n}-{i}")])
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w, n)) for n, w in enumerate(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    events = setup.runs.events_after("r-race")
    assert [e.seq for e in events] == list(range(1, 61))
    assert len({e.run_event.message for e in events if e.run_event}) == 60
    for w in [setup, *writers]:
        w.close()


def test_problems_for_thread_span_its_runs(ledger: SqlLedger) -> None:
    for run_id in ("r-1", "r-2"):
        ledger.runs.start_run(run_id, REQUEST, trigger=RunTrigger.CLI, at=AS_OF)
    ledger.runs.record_events("r-1", [_cycle(1, CycleEventKind.NODE_STARTED, node="analysts")])
    ledger.runs.record_events("r-1", [_warning("stale quote", 1)])
    ledger.runs.record_events(
        "r-2", [_warning("order not placed", 2, severity=EventSeverity.ERROR)]
    )
    everything = ledger.runs.events_for_thread("t-run")
    assert [(e.run_id, e.kind) for e in everything] == [
        ("r-1", CycleEventKind.NODE_STARTED),
        ("r-1", CycleEventKind.WARNING),
        ("r-2", CycleEventKind.ERROR),
    ]
    assert len(ledger.runs.events_for_thread("t-run", limit=2)) == 2
    problems = ledger.runs.problems_for_thread("t-run")
    assert [(p.run_id, p.kind) for p in problems] == [
        ("r-1", CycleEventKind.WARNING),
        ("r-2", CycleEventKind.ERROR),
    ]


def _finish_together(
    finishers: list[SqlLedger], run_id: str, statuses: list[RunStatus]
) -> tuple[list[RunStatus], list[str]]:
    barrier = threading.Barrier(len(finishers))
    won: list[RunStatus] = []
    refused: list[str] = []

    def finish(ledger: SqlLedger, status: RunStatus) -> None:
        barrier.wait()
        try:
            won.append(ledger.runs.finish_run(run_id, status, at=AS_OF).status)
        except LedgerInputError as exc:
            refused.append(str(exc))

    threads = [
        threading.Thread(target=finish, args=(f, s))
        for f, s in zip(finishers, statuses, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return won, refused


def test_a_cancel_racing_a_completion_ends_the_run_exactly_once(database_url: str) -> None:
    setup = SqlLedger.from_url(database_url, auto_upgrade=True)
    finishers = [SqlLedger.from_url(database_url) for _ in range(4)]
    for attempt in range(5):
        run_id = f"r-end-{attempt}"
        setup.runs.start_run(run_id, REQUEST, trigger=RunTrigger.CLI, at=AS_OF)
        statuses = [RunStatus.CANCELLED, RunStatus.COMPLETED] * 2
        won, refused = _finish_together(finishers, run_id, statuses)
        final = setup.runs.run(run_id)
        assert final is not None
        # both finishers with the winning status see it; the other two are refused
        assert len(won) == 2 and set(won) == {final.status}, (won, refused)
        assert len(refused) == 2 and all("already ended" in r for r in refused)
    for ledger in [setup, *finishers]:
        ledger.close()
