"""Start-up checks and constructors from settings, for the API, the CLI and the scheduler.

Why one place: every entry point must refuse to run on a schema that is behind (with the same
message naming ``hedgegraph db upgrade``) and must build its ledger and locks the same way.
"""

from __future__ import annotations

from config.settings import Settings
from graph.checkpoints.factory import open_checkpointer
from tools.persistence.sql_ledger import SqlLedger
from tools.persistence.store import Store

__all__ = ["ledger_from_settings", "verify_schemas"]


def verify_schemas(settings: Settings) -> None:
    """Raise unless the application store and the checkpoint schema are current.

    The embedded SQLite store is upgraded in place (see ``Store.open``); a Postgres store or
    checkpoint schema that is behind raises ``SchemaBehindError`` /
    ``CheckpointSchemaBehindError``, whose messages say to run ``hedgegraph db upgrade``.
    """
    Store.open(settings.effective_database_url).close()
    with open_checkpointer(settings.effective_checkpoint_url):
        pass


def ledger_from_settings(settings: Settings) -> SqlLedger:
    """The ledger for DATABASE_URL (or the embedded SQLite file under HEDGEGRAPH_HOME)."""
    return SqlLedger.from_url(settings.effective_database_url)
