"""Entry points refuse a schema that is behind and name the command that fixes it."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.settings import load_settings
from graph.checkpoints.factory import (
    CheckpointSchemaBehindError,
    CheckpointTablesUnusableError,
    setup_checkpointer,
)
from graph.startup import ledger_from_settings, verify_schemas
from tests.fixtures.servers import fresh_database
from tools.persistence.migrate import SchemaBehindError, upgrade


def test_embedded_defaults_start_without_any_command(tmp_path: Path) -> None:
    settings = load_settings(hedgegraph_home=tmp_path / "home")
    verify_schemas(settings)
    ledger = ledger_from_settings(settings)
    assert ledger.trading_state().status.value == "active"
    ledger.close()
    assert (tmp_path / "home" / "hedgegraph.sqlite").exists()
    assert (tmp_path / "home" / "checkpoints.sqlite").exists()


def test_postgres_behind_is_refused_until_upgraded(postgres_url: str, tmp_path: Path) -> None:
    store, checkpoints = fresh_database(postgres_url, "st"), fresh_database(postgres_url, "ck")
    settings = load_settings(
        hedgegraph_home=tmp_path, database_url=store, checkpoint_url=checkpoints
    )
    with pytest.raises(SchemaBehindError, match="hedgegraph db upgrade"):
        verify_schemas(settings)
    upgrade(store)
    with pytest.raises(CheckpointSchemaBehindError, match="hedgegraph db upgrade"):
        verify_schemas(settings)
    setup_checkpointer(checkpoints)
    verify_schemas(settings)


def test_damaged_checkpoint_tables_are_a_start_up_failure(
    postgres_url: str, tmp_path: Path
) -> None:
    """Migrations recorded, a table dropped by hand: the start-up check refuses it, and the
    command line reports it as one clear line (exit 2), not a traceback."""
    import psycopg

    from api.startup_errors import is_startup_failure

    store, checkpoints = fresh_database(postgres_url, "st"), fresh_database(postgres_url, "ck")
    upgrade(store)
    setup_checkpointer(checkpoints)
    settings = load_settings(
        hedgegraph_home=tmp_path, database_url=store, checkpoint_url=checkpoints
    )
    verify_schemas(settings)
    with psycopg.connect(checkpoints, autocommit=True) as conn:
        conn.execute("drop table checkpoint_writes")
    with pytest.raises(CheckpointTablesUnusableError, match="checkpoint_writes") as refused:
        verify_schemas(settings)
    assert is_startup_failure(refused.value) == "the checkpoint tables are not usable"
