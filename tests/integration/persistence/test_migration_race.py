"""Two first commands racing the embedded auto-migration both start (issue 9, item 11).

Real processes, released at the same instant against one fresh SQLite file: before migrations
were serialised, one of them died with ``table alerts already exists``.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tools.persistence.migrate import current_revision, head_revision

ROOT = Path(__file__).resolve().parents[3]
OPEN_AT = """
import sys, time
from tools.persistence.sql_ledger import SqlLedger
start = float(sys.argv[2])
while time.time() < start:
    pass
SqlLedger.from_url(sys.argv[1]).close()
"""


@pytest.mark.parametrize("attempt", range(3))
def test_first_commands_racing_the_auto_migration_all_start(tmp_path: Path, attempt: int) -> None:
    url = f"sqlite:///{tmp_path / 'home' / 'hedgegraph.sqlite'}"
    start = time.time() + 2.0  # every process imported and spinning before the release
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)}
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", OPEN_AT, url, repr(start)],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(4)
    ]
    outputs = [p.communicate(timeout=120)[0] for p in processes]
    failures = [out for p, out in zip(processes, outputs, strict=True) if p.returncode != 0]
    assert failures == [], failures[0][-2000:]
    assert current_revision(url) == head_revision()


def test_concurrent_db_upgrades_serialise(database_url: str) -> None:
    """Two ``hedgegraph db upgrade`` at once (threads, separate connections) on each backend."""
    import threading

    from tools.persistence.migrate import upgrade

    barrier = threading.Barrier(3)
    errors: list[BaseException] = []

    def migrate() -> None:
        try:
            barrier.wait()
            upgrade(database_url)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=migrate) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert current_revision(database_url) == head_revision()
