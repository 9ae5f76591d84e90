"""Store URLs for the persistence tests: a fresh SQLite file and a fresh Postgres database."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.servers import fresh_database


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty application database on each supported backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store' / 'hedgegraph.sqlite'}"
    return fresh_database(request.getfixturevalue("postgres_url"), "store")
