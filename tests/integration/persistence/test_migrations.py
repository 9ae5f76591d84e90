"""Migrations on SQLite and Postgres: empty -> head, down to base and up again, and no drift."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

import tools.persistence.schedule_records  # registers the scheduler's tables
import tools.persistence.schema_operations  # noqa: F401  (registers the operator tables)
from tools.persistence.migrate import (
    SchemaBehindError,
    create_store_engine,
    current_revision,
    downgrade,
    head_revision,
    require_current,
    upgrade,
)
from tools.persistence.schema import Base
from tools.persistence.sql_ledger import SqlLedger

EXPECTED_TABLES = set(Base.metadata.tables)


def _tables(database_url: str) -> set[str]:
    engine = create_store_engine(database_url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(database_url: str) -> None:
    assert current_revision(database_url) is None
    upgrade(database_url)
    assert current_revision(database_url) == head_revision()
    assert _tables(database_url) == EXPECTED_TABLES
    downgrade(database_url, "base")
    assert current_revision(database_url) is None
    assert _tables(database_url) == set()
    upgrade(database_url)
    assert _tables(database_url) == EXPECTED_TABLES
    require_current(database_url)


def test_models_and_migrations_agree(database_url: str) -> None:
    upgrade(database_url)
    engine = create_store_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "target_metadata": Base.metadata}
            )
            diff = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert diff == [], f"models and migrations disagree: {diff}"


def test_schema_behind_is_refused_with_the_upgrade_command(database_url: str) -> None:
    with pytest.raises(SchemaBehindError, match="hedgegraph db upgrade"):
        SqlLedger.from_url(database_url, auto_upgrade=False)


def test_default_policy_upgrades_embedded_sqlite_and_refuses_postgres(database_url: str) -> None:
    if database_url.startswith("sqlite"):
        SqlLedger.from_url(database_url).close()
        assert current_revision(database_url) == head_revision()
    else:
        with pytest.raises(SchemaBehindError, match="hedgegraph db upgrade"):
            SqlLedger.from_url(database_url)
        assert current_revision(database_url) is None


def test_single_linear_history() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from tools.persistence.migrate import MIGRATIONS_DIR

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    revisions = list(ScriptDirectory.from_config(config).walk_revisions())
    assert [r.down_revision for r in revisions if r.down_revision is None] == [None]
    assert all(isinstance(r.down_revision, str | None) for r in revisions), "no merge revisions"
    chain = {r.down_revision: r.revision for r in revisions}
    assert len(chain) == len(revisions), "two revisions share a parent: a branch"
    assert revisions[0].revision == head_revision()


def test_financial_records_are_never_cascade_deleted(database_url: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    from tests.unit.persistence.state_factory import order_intent

    foreign_keys = [fk for table in Base.metadata.tables.values() for fk in table.foreign_keys]
    assert foreign_keys and all(fk.ondelete == "RESTRICT" for fk in foreign_keys)
    ledger = SqlLedger.from_url(database_url, auto_upgrade=True)
    ledger.record_intent(order_intent("t-keep", "d-1"), "10")
    with pytest.raises(IntegrityError), ledger.store.engine.begin() as conn:
        conn.execute(text("delete from threads where thread_id = 't-keep'"))
    assert len(ledger.intents_for_thread("t-keep")) == 1
    ledger.close()


def test_symbol_time_and_status_columns_are_indexed(database_url: str) -> None:
    upgrade(database_url)
    engine = create_store_engine(database_url)
    try:
        inspector = inspect(engine)
        indexed = {
            (table, column)
            for table in EXPECTED_TABLES
            for index in inspector.get_indexes(table)
            for column in index["column_names"]
        }
    finally:
        engine.dispose()
    for table, column in [
        ("orders", "ticker"),
        ("orders", "status"),
        ("orders", "submitted_at"),
        ("order_intents", "ticker"),
        ("fills", "ticker"),
        ("fills", "filled_at"),
        ("position_snapshots", "symbol"),
        ("decision_audit", "ticker"),
        ("watchlist", "symbol"),
        ("watchlist", "status"),
        ("alerts", "status"),
        ("alerts", "created_at"),
        ("run_events", "at"),
        ("runs", "status"),
    ]:
        assert (table, column) in indexed, f"{table}.{column} is not indexed"
