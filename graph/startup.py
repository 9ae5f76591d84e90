"""Start-up checks for every face: one typed error for everything that stops start-up.

Why one place: every entry point (CLI, API, scheduler, backtester) must refuse to run on a schema
that is behind, an unwritable home or a garbage URL with the same clear message, and a face must be
able to turn all of them into exit status 2 without knowing the libraries underneath (sqlite3,
SQLAlchemy, psycopg, redis). ``TradingEngine.open`` runs each start-up step inside ``step(...)``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from config.settings import ConfigError, Settings
from tools.persistence.migrate import SchemaBehindError
from tools.persistence.sql_ledger import SqlLedger

__all__ = [
    "EngineStartupError",
    "StartupFailure",
    "check_home",
    "check_urls",
    "ledger_from_settings",
    "redact",
    "step",
    "verify_schemas",
]


class StartupFailure(StrEnum):
    """Which start-up step failed, so a face (or a test) can tell the classes apart."""

    CONFIGURATION = "configuration"
    HOME = "home"
    """HEDGEGRAPH_HOME cannot be created or written."""
    DATABASE_URL = "database_url"
    CHECKPOINT_URL = "checkpoint_url"
    DATABASE = "database"
    """The application store cannot be opened (unreachable, corrupt, migration failed)."""
    CHECKPOINTS = "checkpoints"
    SCHEMA_BEHIND = "schema_behind"
    BROKER = "broker"
    COMPONENT = "component"
    """A part of the cycle (market data, the LLM and its cache, research) could not be built."""
    RECONCILIATION = "reconciliation"
    PURPOSE = "purpose"
    """The purpose forbids what the settings ask for (a backtest with a live client, a replay
    against a real broker)."""


class EngineStartupError(Exception):
    """The engine could not start; ``failure`` says which step, the message says why and how.

    Faces turn it into exit status 2 (``exit_status``) or an HTTP 503, never a traceback.
    """

    exit_status = 2

    def __init__(self, failure: StartupFailure, message: str) -> None:
        super().__init__(f"{failure.value}: {message}")
        self.failure = failure


def redact(text: str, settings: Settings | None) -> str:
    """Remove every secret the settings hold (keys, URL passwords) from ``text``."""
    if settings is None:
        return text
    secrets: list[str] = []
    for name in (
        "apca_api_key_id",
        "apca_api_secret_key",
        "openai_api_key",
        "financial_datasets_api_key",
        "hedgegraph_api_key",
    ):
        value = getattr(settings, name, None)
        if value is not None:
            secrets.append(value.get_secret_value())
    for url in (settings.database_url, settings.checkpoint_url, settings.redis_url):
        if url:
            try:
                password = make_url(url).password
            except (ArgumentError, ValueError):
                password = None
            if password:
                secrets.append(str(password))
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


@contextmanager
def step(failure: StartupFailure, what: str, settings: Settings | None) -> Iterator[None]:
    """Turn any failure inside the block into ``EngineStartupError(failure)``, secrets removed."""
    try:
        yield
    except EngineStartupError:
        raise
    except ConfigError as exc:
        raise EngineStartupError(
            StartupFailure.CONFIGURATION, redact(f"{what}: {exc}", settings)
        ) from None
    except Exception as exc:
        # Imported here: the checkpointer factory pulls in langgraph (about 0.3 s), which an
        # operator engine never opens; a failure that needs the class can pay for it.
        from graph.checkpoints.factory import CheckpointSchemaBehindError

        if isinstance(exc, SchemaBehindError | CheckpointSchemaBehindError):
            raise EngineStartupError(
                StartupFailure.SCHEMA_BEHIND, redact(f"{what}: {exc}", settings)
            ) from None
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise EngineStartupError(
            failure, redact(f"{what}: {type(exc).__name__}: {detail}", settings)
        ) from None


def check_home(settings: Settings) -> None:
    """HEDGEGRAPH_HOME exists (created if missing) and a file can be written in it."""
    home = settings.hedgegraph_home.expanduser()
    with step(StartupFailure.HOME, f"HEDGEGRAPH_HOME {home} is not a writable folder", settings):
        home.mkdir(parents=True, exist_ok=True)
        if not os.access(home, os.W_OK | os.X_OK):
            raise PermissionError(f"no write permission on {home}")
        with tempfile.NamedTemporaryFile(dir=home, prefix=".probe-"):
            pass


def check_urls(settings: Settings) -> None:
    """DATABASE_URL and CHECKPOINT_URL parse, before anything tries to connect to them."""
    if settings.database_url is not None:
        with step(StartupFailure.DATABASE_URL, "DATABASE_URL is not a database URL", settings):
            url = make_url(settings.database_url)
            if url.get_backend_name() not in ("sqlite", "postgresql"):
                raise ArgumentError(f"unsupported backend {url.get_backend_name()!r}")
    if settings.checkpoint_url is not None:
        from graph.checkpoints.factory import CheckpointURLError, parse_checkpoint_url

        with step(StartupFailure.CHECKPOINT_URL, "CHECKPOINT_URL is not usable", settings):
            try:
                parse_checkpoint_url(settings.checkpoint_url)
            except CheckpointURLError as exc:
                raise ValueError(str(exc)) from None


def verify_schemas(settings: Settings) -> None:
    """Raise unless the application store and the checkpoint schema are current.

    The embedded SQLite store is upgraded in place (see ``Store.open``); a Postgres store or
    checkpoint schema that is behind raises ``SchemaBehindError`` /
    ``CheckpointSchemaBehindError``, whose messages say to run ``hedgegraph db upgrade``.
    """
    from graph.checkpoints.factory import open_checkpointer

    SqlLedger.from_url(settings.effective_database_url).close()
    with open_checkpointer(settings.effective_checkpoint_url):
        pass


def ledger_from_settings(settings: Settings) -> SqlLedger:
    """The ledger for DATABASE_URL (or the embedded SQLite file under HEDGEGRAPH_HOME).

    Two first commands on a fresh home may open it at the same moment: the embedded upgrade holds
    the database's schema lock (tools/persistence/migrate.py), so the second finds it current.
    """
    return SqlLedger.from_url(settings.effective_database_url)
