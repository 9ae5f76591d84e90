"""Tables of the local paper broker: account cash, positions and orders, exact and tz-aware.

Decimals are stored as text and datetimes as ISO-8601 text so that SQLite keeps every digit and
every offset; the broker simulates money, so a float round-trip would be a bug.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table, UniqueConstraint
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

__all__ = ["ACCOUNT", "METADATA", "ORDERS", "POSITIONS", "DecimalText", "IsoDateTime"]


class DecimalText(TypeDecorator[Decimal]):
    impl = String(64)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else str(Decimal(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


class IsoDateTime(TypeDecorator[datetime]):
    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise ValueError("paper broker stores timezone-aware datetimes only")
        return value.isoformat()

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return None if value is None else datetime.fromisoformat(value)


METADATA = MetaData()

ACCOUNT = Table(
    "paper_account",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("cash", DecimalText, nullable=False),
    Column("created_at", IsoDateTime, nullable=False),
)

POSITIONS = Table(
    "paper_positions",
    METADATA,
    Column("symbol", String(32), primary_key=True),
    Column("qty", DecimalText, nullable=False),
    Column("avg_entry_price", DecimalText, nullable=False),
)

ORDERS = Table(
    "paper_orders",
    METADATA,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("broker_order_id", String(64), nullable=False, unique=True),
    Column("client_order_id", String(128), nullable=False),
    Column("ticker", String(32), nullable=False),
    Column("side", String(8), nullable=False),
    Column("qty", DecimalText, nullable=False),
    Column("order_type", String(16), nullable=False),
    Column("limit_price", DecimalText, nullable=True),
    Column("stop_price", DecimalText, nullable=True),
    Column("status", String(24), nullable=False),
    Column("filled_qty", DecimalText, nullable=False),
    Column("filled_avg_price", DecimalText, nullable=True),
    Column("submitted_at", IsoDateTime, nullable=False),
    Column("updated_at", IsoDateTime, nullable=True),
    UniqueConstraint("client_order_id", name="uq_paper_orders_client_order_id"),
)
