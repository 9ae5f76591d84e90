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
that is left behind holds the same rows, in the same order. The equity-curve points the gate
adds at each session (``record_performance``, read only by the operator page's chart) are held
the same way. A run in a temporary store (``throwaway``: the folder is removed when the run
ends, so nobody can read the rows) never writes them at all: they are still answered to anyone
who asks during the run, and the run's result carries every decision.

Why an empty-ledger template: migrating a fresh SQLite file through every migration took a
good part of a second at each run. The migrated, still empty file is kept once per set of
migration scripts (named by their digest, in the user's home, beside the prompt cache) and
copied for each run; opening the ledger then checks it is at the shipped head (and upgrades it if
it were not), so a copied ledger is always the current schema.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from threading import Lock
from typing import Any

from sqlalchemy import event

from tools.persistence.migrate import MIGRATIONS_DIR
from tools.persistence.records import DecisionAuditEntry, DecisionAuditRecord, PerformanceSnapshot
from tools.persistence.sql_ledger import SqlLedger

__all__ = ["LEDGER_FILE", "BacktestLedger", "open_backtest_ledger"]

LEDGER_FILE = "backtest_ledger.sqlite"


def _no_fsync(dbapi_conn: Any, _record: object) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.execute("PRAGMA journal_mode=MEMORY")
    cursor.close()


class BacktestLedger(SqlLedger):
    """The product's ledger whose decision audit is held until the run ends (see the module)."""

    throwaway: bool = False
    """The ledger's folder is removed when the run ends: held rows are dropped, not written."""

    def __init__(self, store: Any) -> None:  # the ledger's Store (graph/ never names the tables)
        super().__init__(store)
        self._pending: list[DecisionAuditEntry] = []
        self._points: list[PerformanceSnapshot] = []
        self._point_times: set[datetime] = set()
        self._pending_lock = Lock()

    def record_decisions(self, entries: Sequence[DecisionAuditEntry]) -> None:
        with self._pending_lock:
            self._pending.extend(entries)

    def record_performance(self, point: PerformanceSnapshot) -> bool:
        with self._pending_lock:  # the ledger starts empty and every point passes here
            if point.as_of in self._point_times:
                return False
            self._point_times.add(point.as_of)
            self._points.append(point)
            return True

    def flush_held(self) -> None:
        """Write every held decision and equity point, in the order recorded."""
        with self._pending_lock:
            pending, self._pending = self._pending, []
            points, self._points = self._points, []
        if pending:
            super().record_decisions(pending)
        for point in points:
            super().record_performance(point)

    def performance_between(self, start: datetime, end: datetime) -> list[PerformanceSnapshot]:
        self.flush_held()
        return super().performance_between(start, end)

    def decisions_for_thread(self, thread_id: str) -> list[DecisionAuditRecord]:
        self.flush_held()
        return super().decisions_for_thread(thread_id)

    def decisions_since(self, since: datetime) -> list[DecisionAuditRecord]:
        self.flush_held()
        return super().decisions_since(since)

    def close(self) -> None:
        try:
            if not self.throwaway:
                self.flush_held()
        finally:
            super().close()


def _migrations_digest() -> str:
    """A digest of every shipped migration script: a changed or added script names a new one."""
    digest = hashlib.sha256()
    for path in sorted((MIGRATIONS_DIR / "versions").glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _empty_template(cache: Path) -> Path:
    """The migrated empty ledger for the shipped migrations, made under ``cache`` if missing."""
    template = cache / f"backtest_ledger-{_migrations_digest()}.sqlite"
    if template.exists():
        return template
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache, prefix="backtest-template-") as tmp:
        fresh = Path(tmp) / LEDGER_FILE
        SqlLedger.from_url(f"sqlite:///{fresh}").close()  # migrates the fresh file
        os.replace(fresh, template)  # atomic: a concurrent run sees no file or a whole one
    return template


def open_backtest_ledger(
    home: Path, *, template_cache: Path | None = None, throwaway: bool = False
) -> BacktestLedger:
    """A fresh ledger under ``home`` (migrated to the current schema), tuned for a throwaway run.

    ``template_cache``: a folder that keeps the migrated empty ledger between runs (``None``:
    migrate this one in place). ``throwaway``: ``home`` is removed when the run ends (see the
    module: held rows are then never written).
    """
    target = home / LEDGER_FILE
    if template_cache is not None:
        shutil.copyfile(_empty_template(template_cache), target)
    ledger = BacktestLedger.from_url(f"sqlite:///{target}")
    assert isinstance(ledger, BacktestLedger)
    ledger.throwaway = throwaway
    engine = ledger.store.engine
    event.listen(engine, "connect", _no_fsync)
    engine.dispose()  # connections opened by the migration go; new ones get the pragmas
    return ledger
