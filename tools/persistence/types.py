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

__all__ = ["MONEY_SCALE", "Money", "MoneyPrecisionError", "NaiveDatetimeError", "UtcDateTime"]

MONEY_SCALE = 10
"""Decimal places kept for money and quantities (Alpaca quotes qty to 9, prices to 4)."""
MONEY_INTEGER_DIGITS = 14


class NaiveDatetimeError(ValueError):
    """A datetime without a time zone reached the store."""


class MoneyPrecisionError(ValueError):
    """A decimal has more places (or digits) than the store keeps; it is refused, not rounded."""


def _check_fits(amount: Decimal) -> None:
    """Refuse what NUMERIC(24, 10) would round or overflow, on every backend alike."""
    if amount.is_zero():
        return
    exponent = amount.normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    if -exponent > MONEY_SCALE:
        raise MoneyPrecisionError(f"{amount} has more than {MONEY_SCALE} decimal places")
    if amount.adjusted() >= MONEY_INTEGER_DIGITS:
        raise MoneyPrecisionError(f"{amount} has more than {MONEY_INTEGER_DIGITS} integer digits")


class Money(TypeDecorator[Decimal]):
    """Exact decimal money or quantity: NUMERIC(24, 10) on Postgres, decimal text on SQLite."""

    impl = Numeric(MONEY_INTEGER_DIGITS + MONEY_SCALE, MONEY_SCALE)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(40))
        precision = MONEY_INTEGER_DIGITS + MONEY_SCALE
        return dialect.type_descriptor(Numeric(precision, MONEY_SCALE, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, Decimal | int):
            raise TypeError(f"money must be Decimal or int, got {type(value).__name__}: {value!r}")
        amount = Decimal(value)
        if not amount.is_finite():
            raise ValueError(f"money must be finite, got {amount}")
        _check_fits(amount)
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
