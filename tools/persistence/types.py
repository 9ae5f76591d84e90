"""Column types that keep money exact and time zone-aware on every backend.

Why custom types: SQLite has no exact decimal and no time zone. Postgres stores money as
NUMERIC(24, 10) and time as TIMESTAMPTZ; on SQLite money is stored as its exact decimal string
(a NUMERIC column would round it through a float) and times as UTC, re-attached on read. A naive
datetime is refused: a time without a zone is ambiguous by a few hours, which is a lot of market.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, Dialect, Numeric, String
from sqlalchemy.types import TypeDecorator, TypeEngine

__all__ = ["Money", "NaiveDatetimeError", "UtcDateTime"]


class NaiveDatetimeError(ValueError):
    """A datetime without a time zone reached the store."""


class Money(TypeDecorator[Decimal]):
    """Exact decimal money or quantity: NUMERIC(24, 10) on Postgres, decimal text on SQLite."""

    impl = Numeric(24, 10)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(40))
        return dialect.type_descriptor(Numeric(24, 10, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, Decimal | int):
            raise TypeError(f"money must be Decimal or int, got {type(value).__name__}: {value!r}")
        amount = Decimal(value)
        if not amount.is_finite():
            raise ValueError(f"money must be finite, got {amount}")
        # One canonical text per value on SQLite, so 10 and 10.0 compare (and dedupe) as equal.
        return format(amount.normalize(), "f") if dialect.name == "sqlite" else amount

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(str(value))


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware timestamp, stored in UTC; naive datetimes are refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise NaiveDatetimeError(f"timestamp {value.isoformat()} has no time zone")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
