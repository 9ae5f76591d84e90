"""Checkpoints commit without waiting for the disk; the ledger, the record of what was traded,
waits for it (graph/checkpoints/factory.py, "Durability", says why that split is safe)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from graph.checkpoints.factory import aopen_checkpointer, open_checkpointer, setup_checkpointer
from tests.fixtures.servers import fresh_database
from tools.persistence.sql_ledger import SqlLedger

pytestmark = pytest.mark.integration

SQLITE_NORMAL, SQLITE_FULL = 1, 2


def _ledger_setting(url: str, query: str) -> object:
    ledger = SqlLedger.from_url(url, auto_upgrade=True)
    try:
        with ledger.store.engine.connect() as conn:
            return conn.exec_driver_sql(query).scalar()
    finally:
        ledger.close()


async def test_embedded_checkpoints_skip_the_flush_and_the_ledger_keeps_it(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'checkpoints.sqlite'}"
    async with aopen_checkpointer(url) as opened:
        saver: Any = opened  # InlineSqliteSaver: its sqlite3 connection is ``conn``
        assert saver.conn.execute("PRAGMA synchronous").fetchone()[0] == SQLITE_NORMAL
        # NORMAL is crash-safe only in WAL mode
        assert saver.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with open_checkpointer(url) as sync_opened:
        sync_saver: Any = sync_opened
        assert sync_saver.conn.execute("PRAGMA synchronous").fetchone()[0] == SQLITE_NORMAL
    ledger_url = f"sqlite:///{tmp_path / 'hedgegraph.sqlite'}"
    assert _ledger_setting(ledger_url, "PRAGMA synchronous") == SQLITE_FULL


async def test_postgres_checkpoints_commit_asynchronously_and_the_ledger_does_not(
    postgres_url: str,
) -> None:
    url = fresh_database(postgres_url, "durability")
    setup_checkpointer(url)
    async with aopen_checkpointer(url) as opened:
        saver: Any = opened  # AsyncPostgresSaver: its connection pool is ``conn``
        pool = saver.conn
        async with pool.connection() as conn:
            cursor = await conn.execute("show synchronous_commit")
            row = await cursor.fetchone()
    assert row is not None and row["synchronous_commit"] == "off"
    assert _ledger_setting(url, "show synchronous_commit") == "on"
