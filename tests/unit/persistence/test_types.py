"""Money stays exact and time stays zone-aware on SQLite; bad values are refused."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, insert, select
from sqlalchemy.exc import StatementError

from tools.persistence.types import Money, MoneyPrecisionError, NaiveDatetimeError, UtcDateTime

metadata = MetaData()
ledger_rows = Table(
    "ledger_rows",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("amount", Money()),
    Column("at", UtcDateTime()),
)


@pytest.fixture
def engine():  # type: ignore[no-untyped-def]
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.mark.parametrize(
    "amount", ["0.1", "123456789012.0123456789", "-42.50", "1E+3", "0.00000001"]
)
def test_money_round_trips_exactly(engine, amount: str) -> None:  # type: ignore[no-untyped-def]
    at = datetime(2024, 3, 8, 16, 0, tzinfo=timezone(timedelta(hours=-5)))
    with engine.begin() as conn:
        conn.execute(insert(ledger_rows).values(amount=Decimal(amount), at=at))
        stored, when = conn.execute(select(ledger_rows.c.amount, ledger_rows.c.at)).one()
    assert stored == Decimal(amount) and isinstance(stored, Decimal)
    assert when == at and when.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("values", "error"),
    [
        ({"amount": 1.1}, TypeError),
        ({"amount": Decimal("NaN")}, ValueError),
        ({"amount": Decimal("0.00000000001")}, MoneyPrecisionError),
        ({"amount": Decimal("100000000000000")}, MoneyPrecisionError),
        ({"at": datetime(2024, 3, 8, 16, 0)}, NaiveDatetimeError),
    ],
)
def test_bad_values_are_refused(engine, values: dict[str, object], error: type[Exception]) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(StatementError) as raised, engine.begin() as conn:
        conn.execute(insert(ledger_rows).values(**values))
    assert isinstance(raised.value.orig, error)
    with engine.connect() as conn:
        assert conn.execute(select(ledger_rows)).all() == []
