"""A super-step's events are stored as one batch, on real SQLite and Postgres stores.

What the batch must keep of the one-at-a-time behaviour: the stream's order and numbers for any
size of step (a 100-ticker cycle records hundreds of events in one step), a resent overlap is a
no-op, and a batch with one different event under a taken number is refused whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from domain import CycleEvent, CycleEventKind, EventSeverity, RunEvent, RunRequest
from tests.unit.persistence.state_factory import AS_OF
from tools.persistence.errors import LedgerInputError
from tools.persistence.records import RunTrigger
from tools.persistence.sql_ledger import SqlLedger

REQUEST = RunRequest(thread_id="t-batch", tickers=("AAPL",), mode="full", session_mode="autonomous")


@pytest.fixture
def ledger(database_url: str) -> Iterator[SqlLedger]:
    opened = SqlLedger.from_url(database_url, auto_upgrade=True)
    opened.runs.start_run("r-b", REQUEST, trigger=RunTrigger.CLI, at=AS_OF)
    yield opened
    opened.close()


def _verdict(seq: int, ticker: str = "AAPL") -> CycleEvent:
    return CycleEvent(
        kind=CycleEventKind.NODE_FINISHED,
        thread_id=REQUEST.thread_id,
        run_id="r-b",
        seq=seq,
        at=AS_OF + timedelta(milliseconds=seq),
        node="analyst",
        analyst="technicals",
        ticker=ticker,
        duration_ms=float(seq),
    )


def test_a_step_of_1200_events_is_stored_whole_and_in_order(ledger: SqlLedger) -> None:
    step = [_verdict(seq) for seq in range(1, 1201)]
    assert ledger.runs.record_events("r-b", step) == step
    assert ledger.runs.events_after("r-b") == step
    assert ledger.runs.events_after("r-b", 1100, limit=3) == step[1100:1103]
    run = ledger.runs.run("r-b")
    assert run is not None and run.last_seq == 1200


def test_a_resent_overlap_is_a_no_op_and_the_rest_is_added(ledger: SqlLedger) -> None:
    ledger.runs.record_events("r-b", [_verdict(seq) for seq in range(1, 601)])
    resent = [_verdict(seq) for seq in range(550, 651)]  # after a reconnect: 51 old, 50 new
    assert ledger.runs.record_events("r-b", resent) == resent
    assert [e.seq for e in ledger.runs.events_after("r-b")] == list(range(1, 651))


def test_one_different_event_refuses_the_whole_batch(ledger: SqlLedger) -> None:
    ledger.runs.record_events("r-b", [_verdict(1), _verdict(2)])
    clash = [_verdict(3), _verdict(2, ticker="MSFT"), _verdict(4)]
    with pytest.raises(LedgerInputError, match="different event 2"):
        ledger.runs.record_events("r-b", clash)
    assert [e.seq for e in ledger.runs.events_after("r-b")] == [1, 2]
    with pytest.raises(LedgerInputError, match="different event 5"):  # a batch contradicting itself
        ledger.runs.record_events("r-b", [_verdict(5), _verdict(5, ticker="MSFT")])
    run = ledger.runs.run("r-b")
    assert run is not None and run.last_seq == 2


def test_bare_warnings_in_a_batch_continue_the_numbering(ledger: SqlLedger) -> None:
    ledger.runs.record_events("r-b", [_verdict(1), _verdict(2)])
    warnings = [
        RunEvent(node="load_context", severity=EventSeverity.WARNING, message=f"w{i}", at=AS_OF)
        for i in range(3)
    ]
    stored = ledger.runs.record_events("r-b", warnings)
    assert [(e.seq, e.kind) for e in stored] == [(n, CycleEventKind.WARNING) for n in (3, 4, 5)]
    assert [e.run_event.message for e in ledger.runs.events_after("r-b", 2) if e.run_event] == [
        "w0",
        "w1",
        "w2",
    ]
