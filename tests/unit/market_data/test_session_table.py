"""The shipped XNYS session table is exactly what the installed exchange-calendars builds."""

from __future__ import annotations

import time
from pathlib import Path

from tools.market_data.sessions import (
    SHIPPED_TABLE,
    build_session_table,
    read_session_table,
    write_session_table,
)


def test_the_shipped_table_equals_the_calendar_library() -> None:
    """Fails after a calendar-library change: run ``python -m tools.market_data.sessions``."""
    assert read_session_table(SHIPPED_TABLE) == build_session_table()


def test_the_table_round_trips_and_reads_fast(tmp_path: Path) -> None:
    table = read_session_table(SHIPPED_TABLE)
    write_session_table(table, tmp_path / "t.csv.gz")
    assert (tmp_path / "t.csv.gz").read_bytes() == SHIPPED_TABLE.read_bytes()  # deterministic
    started = time.perf_counter()
    assert read_session_table(tmp_path / "t.csv.gz") == table
    assert time.perf_counter() - started < 1.0  # generous: building it takes 1 to 2.5 s
