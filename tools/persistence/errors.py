"""Typed errors of the application store. Each carries enough to tell the operator what to do."""

from __future__ import annotations

__all__ = [
    "LedgerError",
    "LedgerInputError",
    "NotWatchedError",
    "UnknownIntentError",
    "UnsupportedDatabaseError",
]


class LedgerError(RuntimeError):
    """Base class for store failures that callers may want to handle together."""


class LedgerInputError(LedgerError, ValueError):
    """A value handed to the store is malformed (e.g. a quantity that is not a decimal)."""


class NotWatchedError(LedgerInputError):
    """A symbol was to be removed from the watchlist but is not on it."""


class UnknownIntentError(LedgerError):
    """An order was reported for a client_order_id with no persisted intent (invariant 3)."""


class UnsupportedDatabaseError(LedgerError):
    """DATABASE_URL names a database other than SQLite or PostgreSQL."""
