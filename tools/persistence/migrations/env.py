"""Alembic environment for the application store, driven programmatically (no alembic.ini).

``tools.persistence.migrate`` hands us an open connection in ``config.attributes["connection"]``;
SQLite runs in batch mode so ALTERs work there too. Offline (SQL-script) mode is not offered: the
supported path is ``hedgegraph db upgrade`` against a live database.
"""

from __future__ import annotations

from alembic import context

# Imported for their side effect: they register the operator and scheduler tables on Base.
import tools.persistence.schedule_records
import tools.persistence.schema_operations  # noqa: F401
from tools.persistence.schema import Base

config = context.config


def _run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through tools.persistence.migrate (hedgegraph db ...)")
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        user_module_prefix="",
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("offline migrations are not supported; use `hedgegraph db upgrade`")
_run_online()
