"""The backtest's empty-ledger template: each run's ledger is at the shipped schema and empty.

Why: the migrated empty ledger is kept between runs and copied; a copy must never be an older
schema (a stale or broken template is upgraded by ``Store.open``), nor carry a previous run's
rows, and a change to the migration scripts must name a new template.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from domain import TradingStateRecord, TradingStatus
from graph.backtest import store as backtest_store
from graph.backtest.store import LEDGER_FILE, open_backtest_ledger
from tools.persistence.migrate import schema_status


def _tables_with_rows(path: Path) -> list[str]:
    with sqlite3.connect(path) as db:
        names = [
            n
            for (n,) in db.execute("select name from sqlite_master where type = 'table'")
            if n != "alembic_version"
        ]
        return [n for n in names if db.execute(f'select count(*) from "{n}"').fetchone()[0]]


def test_runs_get_a_current_empty_ledger_from_one_template(tmp_path: Path) -> None:
    cache = tmp_path / "templates"
    for run in ("a", "b"):
        (tmp_path / run).mkdir()
        ledger = open_backtest_ledger(tmp_path / run, template_cache=cache)
        assert ledger.trading_state().status is TradingStatus.ACTIVE  # nothing of run "a"
        ledger.set_trading_state(TradingStateRecord(status=TradingStatus.HALTED, reason=run))
        ledger.close()
    (template,) = cache.glob("backtest_ledger-*.sqlite")  # made once, then copied
    for run in ("a", "b"):
        assert schema_status(f"sqlite:///{tmp_path / run / LEDGER_FILE}").is_current
        assert _tables_with_rows(tmp_path / run / LEDGER_FILE) == ["trading_state"]
    assert schema_status(f"sqlite:///{template}").is_current
    assert _tables_with_rows(template) == []


def test_a_stale_template_is_upgraded_in_the_copy(tmp_path: Path) -> None:
    cache = tmp_path / "templates"
    cache.mkdir()
    stale = cache / f"backtest_ledger-{backtest_store._migrations_digest()}.sqlite"
    sqlite3.connect(stale).close()  # an empty file: no schema at all
    (tmp_path / "run").mkdir()
    ledger = open_backtest_ledger(tmp_path / "run", template_cache=cache)
    try:
        assert schema_status(ledger.store.engine).is_current
        assert ledger.trading_state().status is TradingStatus.ACTIVE
    finally:
        ledger.close()


def test_a_changed_migration_names_a_new_template(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    versions = tmp_path / "migrations" / "versions"
    versions.mkdir(parents=True)
    (versions / "0001_x.py").write_text("revision = 'a'\n")
    monkeypatch.setattr(backtest_store, "MIGRATIONS_DIR", tmp_path / "migrations")
    before = backtest_store._migrations_digest()
    (versions / "0001_x.py").write_text("revision = 'a'  # edited\n")
    edited = backtest_store._migrations_digest()
    (versions / "0002_y.py").write_text("revision = 'b'\n")
    assert len({before, edited, backtest_store._migrations_digest()}) == 3
