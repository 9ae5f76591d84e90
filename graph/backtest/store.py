"""The backtest's own ledger: the product's schema in a throwaway SQLite file, without fsyncs.

Why not the live ledger: a backtest's simulated orders must never land in the production books.
Why without fsyncs (``synchronous=OFF``, the rollback journal in memory): the file lives only as
long as the run (a temporary folder unless the caller names one), so a crash loses nothing worth
keeping, and with a full fsync on every commit the ledger's writes were the largest part of a
session after the graph itself (about a third of the run on these machines).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event

from tools.persistence.sql_ledger import SqlLedger

__all__ = ["LEDGER_FILE", "open_backtest_ledger"]

LEDGER_FILE = "backtest_ledger.sqlite"


def _no_fsync(dbapi_conn: Any, _record: object) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.execute("PRAGMA journal_mode=MEMORY")
    cursor.close()


def open_backtest_ledger(home: Path) -> SqlLedger:
    """A fresh ledger under ``home`` (migrated to the current schema), tuned for a throwaway run."""
    ledger = SqlLedger.from_url(f"sqlite:///{home / LEDGER_FILE}")
    engine = ledger.store.engine
    event.listen(engine, "connect", _no_fsync)
    engine.dispose()  # connections opened by the migration go; new ones get the pragmas
    return ledger
