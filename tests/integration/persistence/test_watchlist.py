"""The operator's watchlist on real stores: one active entry per symbol, the ticker rule, removal.

SQLite and Postgres both (the ``database_url`` fixture): the upsert on the partial unique index is
dialect-specific SQL, so each backend must prove it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from tools.persistence.errors import LedgerInputError, NotWatchedError
from tools.persistence.migrate import create_store_engine, upgrade
from tools.persistence.schema_operations import WatchlistRow
from tools.persistence.sql_ledger import SqlLedger

AT = datetime(2026, 3, 11, 15, 0, tzinfo=UTC)


@pytest.fixture
def ledger(database_url: str) -> Iterator[SqlLedger]:
    opened = SqlLedger.from_url(database_url, auto_upgrade=True)
    yield opened
    opened.close()


def test_add_upper_cases_and_a_second_add_keeps_one_entry(ledger: SqlLedger) -> None:
    first = ledger.watchlist.watch(" aapl ", note="earnings on the 30th", at=AT)
    assert first.symbol == "AAPL" and first.notes == "earnings on the 30th"
    again = ledger.watchlist.watch("AAPL", at=AT + timedelta(minutes=1))
    assert again.id == first.id, "a watched symbol keeps its row"
    assert again.notes == "earnings on the 30th", "no note given: the note stays"
    noted = ledger.watchlist.watch("AAPL", note="moved", at=AT + timedelta(minutes=2))
    assert noted.id == first.id and noted.notes == "moved"
    assert noted.updated_at == AT + timedelta(minutes=2)
    ledger.watchlist.watch("msft", at=AT)
    assert [e.symbol for e in ledger.watchlist.watched()] == ["AAPL", "MSFT"]


@pytest.mark.parametrize("bad", ["", "AAPL;rm", "../../etc", "X" * 11, "ÄPPL"])
def test_a_symbol_that_breaks_the_ticker_rule_is_refused(ledger: SqlLedger, bad: str) -> None:
    with pytest.raises(LedgerInputError, match="ticker"):
        ledger.watchlist.watch(bad, at=AT)
    assert ledger.watchlist.watched() == []


def test_remove_takes_it_off_and_an_unwatched_symbol_is_an_error(ledger: SqlLedger) -> None:
    ledger.watchlist.watch("NVDA", at=AT)
    removed = ledger.watchlist.unwatch("nvda", at=AT + timedelta(hours=1))
    assert removed.symbol == "NVDA" and removed.status.value == "removed"
    assert ledger.watchlist.watched() == []
    with pytest.raises(NotWatchedError, match="NVDA is not on the watchlist"):
        ledger.watchlist.unwatch("NVDA", at=AT)
    back = ledger.watchlist.watch("NVDA", at=AT + timedelta(hours=2))
    assert back.id != removed.id, "watching it again opens a new entry; the old one is kept"


def test_the_migration_folds_duplicate_active_rows_into_the_newest(database_url: str) -> None:
    upgrade(database_url, "0002")
    engine = create_store_engine(database_url)
    row = {"status": "active", "priority": 0, "created_at": AT, "updated_at": AT}
    try:
        with engine.begin() as conn:
            for symbol, note in [("AAPL", "old"), ("AAPL", "new"), ("MSFT", "only")]:
                conn.execute(insert(WatchlistRow).values(symbol=symbol, notes=note, **row))
        upgrade(database_url)
        with engine.connect() as conn:
            rows = conn.execute(
                select(WatchlistRow.symbol, WatchlistRow.notes, WatchlistRow.status).order_by(
                    WatchlistRow.id
                )
            ).all()
    finally:
        engine.dispose()
    assert [tuple(r) for r in rows] == [
        ("AAPL", "old", "removed"),
        ("AAPL", "new", "active"),
        ("MSFT", "only", "active"),
    ]
