"""Start-up failures become one clear line and exit status 2, never a traceback.

Why here: every command opens the same things (settings, the ledger, the checkpointer, the
broker's local files) and each backend fails with its own exception type. The operator needs
what failed and what to check, with any password in a URL masked (invariant 7).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from api.exit_codes import ExitCode

__all__ = ["fail", "is_startup_failure", "mask_secrets", "startup_guard"]

_URL_PASSWORD = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<user>[^:/@\s]*):[^@/\s]*@")
_KEY_VALUE = re.compile(r"(?i)(password|secret|api_key|token)=([^&\s]+)")


def mask_secrets(text: str) -> str:
    """``postgresql://u:pw@h`` -> ``postgresql://u:***@h``; ``password=x`` -> ``password=***``."""
    return _KEY_VALUE.sub(r"\1=***", _URL_PASSWORD.sub(r"\g<scheme>\g<user>:***@", text))


def fail(title: str, detail: str = "", *, code: ExitCode = ExitCode.BAD_INPUT) -> NoReturn:
    """Print ``title`` (and ``detail``) on stderr and exit with ``code``."""
    message = f"[red]{escape(title)}[/]"
    if detail:
        message += "\n" + escape(mask_secrets(detail))
    Console(stderr=True).print(message, soft_wrap=True)  # a command or URL is never cut
    raise typer.Exit(code=int(code))


def _named(exc: BaseException, module: str, names: tuple[str, ...]) -> bool:
    """``exc`` is one of ``module``'s exception classes, without importing ``module`` eagerly."""
    return any(
        cls.__module__.startswith(module) and cls.__name__ in names for cls in type(exc).__mro__
    )


def is_startup_failure(exc: BaseException) -> str | None:
    """What kind of start-up failure ``exc`` is (a short title), or ``None`` if it is not one."""
    if _named(exc, "config.", ("ConfigError",)) or _named(
        exc, "tools.alerts", ("AlertConfigError",)
    ):
        return "configuration error"
    if _named(exc, "tools.persistence", ("SchemaBehindError",)) or _named(
        exc, "graph.checkpoints", ("CheckpointSchemaBehindError",)
    ):
        return "database schema is behind"
    if _named(exc, "graph.checkpoints", ("CheckpointTablesUnusableError",)):
        return "the checkpoint tables are not usable"
    if _named(exc, "graph.checkpoints", ("CheckpointURLError",)):
        return "CHECKPOINT_URL is not usable"
    if _named(exc, "tools.persistence", ("UnsupportedDatabaseError",)) or _named(
        exc, "sqlalchemy", ("ArgumentError", "NoSuchModuleError")
    ):
        return "DATABASE_URL is not usable"
    if isinstance(exc, sqlite3.DatabaseError) or _named(
        exc, "sqlalchemy", ("OperationalError", "DatabaseError", "InterfaceError")
    ):
        return "a database could not be opened (unreachable, or not a database file)"
    if _named(exc, "psycopg", ("OperationalError", "InterfaceError")) or _named(
        exc, "psycopg_pool", ("PoolTimeout",)
    ):
        return "Postgres is unreachable"
    if _named(exc, "redis", ("ConnectionError", "TimeoutError", "AuthenticationError")):
        return "Redis is unreachable"
    if isinstance(exc, PermissionError | FileNotFoundError | NotADirectoryError):
        return "a file or folder is not usable (check HEDGEGRAPH_HOME and its permissions)"
    return None


@contextmanager
def startup_guard() -> Iterator[None]:
    """Around the opening of settings, stores and the broker: a known failure exits 2."""
    try:
        yield
    except typer.Exit:
        raise
    except Exception as exc:
        title = is_startup_failure(exc)
        if title is None:
            raise
        fail(title, f"{type(exc).__name__}: {exc}" if title != "configuration error" else str(exc))
