"""Retention and the ``hedgegraph db`` commands against real stores."""

from __future__ import annotations

import os
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.db_cli import db_app
from domain import EventSeverity, RunEvent, RunRequest
from graph.checkpoints.factory import open_checkpointer
from graph.retention import prune, stale_threads
from tests.fixtures.servers import fresh_database
from tests.integration.persistence.test_checkpointers import _graph
from tests.unit.persistence.state_factory import full_trading_state
from tools.persistence.migrate import current_revision, head_revision
from tools.persistence.records import RunTrigger
from tools.persistence.sql_ledger import SqlLedger

runner = CliRunner()


def _request(thread_id: str) -> RunRequest:
    return RunRequest(
        thread_id=thread_id, tickers=("AAPL",), mode="full", session_mode="autonomous"
    )


@pytest.fixture(params=["sqlite", "postgres", "redis"])
def checkpoints(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'ckpt.sqlite'}"
    elif request.param == "postgres":
        url = fresh_database(request.getfixturevalue("postgres_url"), "retention")
    else:
        return str(request.getfixturevalue("redis_url"))
    db = f"sqlite:///{tmp_path / 'app.sqlite'}"
    assert (
        runner.invoke(db_app, ["upgrade", "--database-url", db, "--checkpoint-url", url]).exit_code
        == 0
    )
    return url


def _run_thread(url: str, thread_id: str) -> None:
    with open_checkpointer(url) as saver:
        _graph(saver).invoke(
            {"request": full_trading_state(thread_id)["request"]},
            {"configurable": {"thread_id": thread_id}},
        )


def test_prune_deletes_only_threads_idle_before_the_cutoff(checkpoints: str) -> None:
    old, fresh = f"old-{uuid.uuid4().hex[:6]}", f"new-{uuid.uuid4().hex[:6]}"
    _run_thread(checkpoints, old)
    time.sleep(0.05)
    cutoff = datetime.now(UTC)
    time.sleep(0.05)
    _run_thread(checkpoints, fresh)
    with open_checkpointer(checkpoints) as saver:
        assert old in stale_threads(saver, cutoff) and fresh not in stale_threads(saver, cutoff)
    report = prune(
        now=cutoff + timedelta(days=1),
        older_than=timedelta(days=1),
        database_url=None,
        checkpoint_urls=[checkpoints],
    )
    assert old in report.threads and fresh not in report.threads
    with open_checkpointer(checkpoints) as saver:
        assert saver.get_tuple({"configurable": {"thread_id": old}}) is None
        assert saver.get_tuple({"configurable": {"thread_id": fresh}}) is not None


def test_prune_removes_old_run_events_and_keeps_recent_ones(database_url: str) -> None:
    ledger = SqlLedger.from_url(database_url, auto_upgrade=True)
    now = datetime(2024, 6, 1, tzinfo=UTC)
    events = [
        RunEvent(
            node="analysts",
            severity=EventSeverity.WARNING,
            message=f"e{d}",
            at=now - timedelta(days=d),
        )
        for d in (1, 40, 90)
    ]
    ledger.runs.start_run("r-ret", _request("t-ret"), trigger=RunTrigger.TEST, at=now)
    ledger.runs.record_events("r-ret", events)
    ledger.close()
    dry = prune(now=now, older_than=timedelta(days=30), database_url=database_url, dry_run=True)
    assert dry.run_events == 2
    report = prune(now=now, older_than=timedelta(days=30), database_url=database_url)
    assert report.run_events == 2
    again = prune(now=now, older_than=timedelta(days=30), database_url=database_url)
    assert again.run_events == 0


def test_db_upgrade_then_current_on_postgres(postgres_url: str) -> None:
    store = fresh_database(postgres_url, "cli")
    ckpt = fresh_database(postgres_url, "clickpt")
    args = ["--database-url", store, "--checkpoint-url", ckpt]
    behind = runner.invoke(db_app, ["current", *args])
    assert behind.exit_code == 1
    assert "hedgegraph db upgrade" in behind.output
    done = runner.invoke(db_app, ["upgrade", *args])
    assert done.exit_code == 0, done.output
    assert current_revision(store) == head_revision()
    now_current = runner.invoke(db_app, ["current", *args])
    assert now_current.exit_code == 0, now_current.output
    assert f"head={head_revision()}" in now_current.output


def test_db_prune_command_reports_counts(tmp_path: Path) -> None:
    db, ckpt = f"sqlite:///{tmp_path / 'app.sqlite'}", f"sqlite:///{tmp_path / 'ckpt.sqlite'}"
    args = ["--database-url", db, "--checkpoint-url", ckpt]
    assert runner.invoke(db_app, ["upgrade", *args]).exit_code == 0
    result = runner.invoke(db_app, ["prune", "--older-than", "7d", "--dry-run", *args])
    assert result.exit_code == 0, result.output
    assert "would delete 0 checkpoint threads and 0 run events" in result.output


def test_db_prune_refuses_a_malformed_age(tmp_path: Path) -> None:
    db, ckpt = f"sqlite:///{tmp_path / 'app.sqlite'}", f"sqlite:///{tmp_path / 'ckpt.sqlite'}"
    result = runner.invoke(
        db_app, ["prune", "--older-than", "soon", "--database-url", db, "--checkpoint-url", ckpt]
    )
    assert result.exit_code == 2
    assert "30d" in result.output


def test_scheduled_job_prunes_what_settings_name(tmp_path: Path) -> None:
    from config.settings import load_settings
    from graph.retention import prune_job
    from tools.clock import FixedClock

    settings = load_settings(hedgegraph_home=tmp_path / "home")
    ledger = SqlLedger.from_url(settings.effective_database_url)
    at = datetime(2024, 6, 1, tzinfo=UTC)
    ledger.runs.start_run("r-job", _request("t-job"), trigger=RunTrigger.TEST, at=at)
    ledger.runs.record_events(
        "r-job", [RunEvent(node="record", severity=EventSeverity.INFO, message="old", at=at)]
    )
    ledger.close()
    _run_thread(settings.effective_checkpoint_url, "t-job")
    from graph.checkpoints.locks import thread_locks_from_settings
    from graph.execution.account_lock import account_lock

    locks = thread_locks_from_settings(settings)
    with locks.thread_lock("t-job"), account_lock(locks, "paper"):
        pass
    long_ago = time.time() - 40 * 86400
    from domain import MarketSnapshot
    from tools.market_data.snapshot_store import FileSnapshotStore

    FileSnapshotStore(settings.hedgegraph_home / "snapshots").put(
        MarketSnapshot(as_of=at, tickers={})
    )
    (snapshot_file,) = (settings.hedgegraph_home / "snapshots").rglob("*.json.z")
    os.utime(snapshot_file, (long_ago, long_ago))
    lock_files = list((settings.hedgegraph_home / "locks").rglob("*.lock"))
    assert len(lock_files) == 2, "precondition: one thread lock, one account lock"
    for path in lock_files:
        os.utime(path, (long_ago, long_ago))
    report = prune_job(settings, FixedClock(datetime.now(UTC) + timedelta(days=31)))
    assert report.run_events == 1
    assert report.threads == ("t-job",)
    assert report.lock_files == 2
    assert report.snapshots == 1 and not snapshot_file.exists()
    assert not list((settings.hedgegraph_home / "locks").rglob("*.lock"))
