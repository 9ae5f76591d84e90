"""The manual's backup and restore, run as written (less ``docker compose exec``): ``pg_dump
--format=custom`` of a migrated, used database, ``pg_restore --no-owner`` into an empty one,
``db upgrade``; the restored store is current and holds what the operator did before the dump."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.e2e.test_cli import cli
from tests.fixtures.servers import PG_BIN, fresh_database

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]


def _hg(home: Path, database: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``hedgegraph ARGS`` with the store and the checkpoints in ``database``."""
    return cli(home, *args, DATABASE_URL=database, CHECKPOINT_URL=database)


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def test_a_dump_restored_into_an_empty_database_is_current_and_complete(
    tmp_path: Path, postgres_url: str
) -> None:
    original, restored = (
        fresh_database(postgres_url, "backup"),
        fresh_database(postgres_url, "restore"),
    )
    home = tmp_path / "home"
    for args in (["db", "upgrade"], ["watchlist", "add", "TSLA", "--note", "before the dump"]):
        done = _hg(home, original, *args)
        assert done.returncode == 0, done.stdout + done.stderr
    halted = _hg(home, original, "halt", "--reason", "before the dump", "--yes")
    assert halted.returncode == 0, halted.stdout + halted.stderr

    dump = tmp_path / "hedgegraph.dump"
    _run([str(PG_BIN / "pg_dump"), "--format=custom", f"--file={dump}", original])
    assert dump.stat().st_size > 0
    _run([str(PG_BIN / "pg_restore"), f"--dbname={restored}", "--no-owner", str(dump)])

    upgraded = _hg(home, restored, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    current = _hg(home, restored, "db", "current")
    assert current.returncode == 0, current.stdout + current.stderr
    assert "checkpoints: current" in current.stdout
    watched = _hg(home, restored, "watchlist")
    assert "TSLA" in watched.stdout and "before the dump" in watched.stdout, watched.stdout
    status = _hg(home, restored, "status")
    assert "HALTED" in status.stdout, "the trading state came back with the rows"
    alerts = _hg(home, restored, "alerts")
    assert "emergency stop" in alerts.stdout, alerts.stdout
