"""The backtest's own ledger: the product's schema in a throwaway SQLite file, without fsyncs.

Why not the live ledger: a backtest's simulated orders must never land in the production books.
Why without fsyncs (``synchronous=OFF``, the rollback journal in memory): the file lives only as
long as the run (a temporary folder unless the caller names one), so a crash loses nothing worth
keeping, and with a full fsync on every commit the ledger's writes were the largest part of a
session after the graph itself (about a third of the run on these machines).

Why the decision audit is written at the end (``BacktestLedger``): the ``record`` node writes
each session's decisions in one transaction, 251 transactions a year, and nothing during a
backtest reads them back (the gate reads intents, orders, fills and baselines, never the audit).
Kept in memory and written once when the run ends (or when anything asks for them), the ledger
that is left behind holds the same rows, in the same order.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from threading import Lock
from typing import Any

from sqlalchemy import event

from tools.persistence.records import DecisionAuditEntry, DecisionAuditRecord
from tools.persistence.sql_ledger import SqlLedger
from tools.persistence.store import Store

__all__ = ["LEDGER_FILE", "BacktestLedger", "open_backtest_ledger"]

LEDGER_FILE = "backtest_ledger.sqlite"


def _no_fsync(dbapi_conn: Any, _record: object) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.execute("PRAGMA journal_mode=MEMORY")
    cursor.close()


class BacktestLedger(SqlLedger):
    """The product's ledger whose decision audit is held until the run ends (see the module)."""

    def __init__(self, store: Store) -> None:
        super().__init__(store)
        self._pending: list[DecisionAuditEntry] = []
        self._pending_lock = Lock()

    def record_decisions(self, entries: Sequence[DecisionAuditEntry]) -> None:
        with self._pending_lock:
            self._pending.extend(entries)

    def flush_decisions(self) -> None:
        """Write every held decision, in the order recorded, in one transaction."""
        with self._pending_lock:
            pending, self._pending = self._pending, []
        if pending:
            super().record_decisions(pending)

    def decisions_for_thread(self, thread_id: str) -> list[DecisionAuditRecord]:
        self.flush_decisions()
        return super().decisions_for_thread(thread_id)

    def decisions_since(self, since: datetime) -> list[DecisionAuditRecord]:
        self.flush_decisions()
        return super().decisions_since(since)

    def close(self) -> None:
        try:
            self.flush_decisions()
        finally:
            super().close()


def open_backtest_ledger(home: Path) -> BacktestLedger:
    """A fresh ledger under ``home`` (migrated to the current schema), tuned for a throwaway run."""
    ledger = BacktestLedger(Store.open(f"sqlite:///{home / LEDGER_FILE}"))
    engine = ledger.store.engine
    event.listen(engine, "connect", _no_fsync)
    engine.dispose()  # connections opened by the migration go; new ones get the pragmas
    return ledger
