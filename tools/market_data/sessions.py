"""NYSE trading sessions (exchange-calendars XNYS) as plain dates and UTC open/close times.

Why a fixed range: ``exchange_calendars.get_calendar`` defaults to a window around *today*, which
would make the synthetic market and the quality checks depend on the day they run. We pin the
window to 1990..2040 so the same inputs give the same sessions on any machine, any day.

Why a shipped table: importing exchange-calendars (and pandas) and building the calendar cost
1 to 2.5 s in every fresh process, before the first node of a CLI cycle could decide anything. The
table it builds is written once to ``xnys_sessions.csv.gz`` next to this module (``python -m
tools.market_data.sessions``) and read back in milliseconds; a unit test checks it still equals
what the installed exchange-calendars builds, and a missing file falls back to building it.
"""

from __future__ import annotations

import gzip
import warnings
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from functools import lru_cache
from pathlib import Path
from threading import Lock
from zoneinfo import ZoneInfo

__all__ = [
    "CALENDAR_FIRST",
    "CALENDAR_LAST",
    "NEW_YORK",
    "SessionOutOfRangeError",
    "SessionTable",
    "build_session_table",
    "nyse_sessions",
    "read_session_table",
    "write_session_table",
]

CALENDAR_FIRST = date(1990, 1, 2)
CALENDAR_LAST = date(2040, 12, 31)
NEW_YORK = ZoneInfo("America/New_York")


class SessionOutOfRangeError(ValueError):
    """A date lies outside the pinned 1990..2040 calendar window."""


@dataclass(frozen=True, slots=True)
class SessionTable:
    """Sorted NYSE sessions with their open and close instants (UTC)."""

    days: tuple[date, ...]
    """Every session date, ascending."""
    opens: tuple[datetime, ...]
    """Session open instants, UTC, aligned with ``days``."""
    closes: tuple[datetime, ...]
    """Session close instants, UTC, aligned with ``days`` (early closes included)."""

    def _check(self, day: date) -> None:
        if not CALENDAR_FIRST <= day <= CALENDAR_LAST:
            raise SessionOutOfRangeError(
                f"{day} is outside the NYSE calendar window {CALENDAR_FIRST}..{CALENDAR_LAST}"
            )

    def between(self, start: date, end: date) -> list[date]:
        """Sessions with ``start <= day <= end``."""
        self._check(start)
        self._check(end)
        return list(self.days[bisect_left(self.days, start) : bisect_right(self.days, end)])

    def is_session(self, day: date) -> bool:
        i = bisect_left(self.days, day)
        return i < len(self.days) and self.days[i] == day

    def open_at(self, day: date) -> datetime:
        """Open instant of ``day``; for a non-session date, 09:30 New York time of that date."""
        i = bisect_left(self.days, day)
        if i < len(self.days) and self.days[i] == day:
            return self.opens[i]
        return datetime.combine(day, time(9, 30), NEW_YORK).astimezone(UTC)

    def close_at(self, day: date) -> datetime:
        """Close instant of ``day``; for a non-session date, 16:00 New York time of that date."""
        i = bisect_left(self.days, day)
        if i < len(self.days) and self.days[i] == day:
            return self.closes[i]
        return datetime.combine(day, time(16, 0), NEW_YORK).astimezone(UTC)

    def is_open(self, at: datetime) -> bool:
        """True inside a regular session (early closes honoured); outside the window: closed."""
        instant = at.astimezone(UTC)
        i = bisect_right(self.opens, instant) - 1
        return i >= 0 and instant < self.closes[i]

    def last_closed(self, as_of: datetime) -> date | None:
        """The last session whose close is at or before ``as_of`` (its daily bar is final)."""
        i = bisect_right(self.closes, as_of.astimezone(UTC))
        return self.days[i - 1] if i > 0 else None


_BUILD_LOCK = Lock()


def nyse_sessions() -> SessionTable:
    """The XNYS session table, built once per process (threads wait for the one build)."""
    with _BUILD_LOCK:
        return _build()


SHIPPED_TABLE = Path(__file__).with_name("xnys_sessions.csv.gz")
"""The XNYS table for the pinned window, one ``ordinal,open_epoch_s,close_epoch_s`` per line."""


@lru_cache(maxsize=1)
def _build() -> SessionTable:
    try:
        return read_session_table(SHIPPED_TABLE)
    except (OSError, ValueError):
        return build_session_table()


def read_session_table(path: Path) -> SessionTable:
    """The table written by ``write_session_table``; ``ValueError`` when it is malformed."""
    days: list[date] = []
    opens: list[datetime] = []
    closes: list[datetime] = []
    with gzip.open(path, "rt", encoding="ascii") as rows:
        for row in rows:
            if row.startswith("#"):
                continue
            ordinal, opened, closed = row.split(",")
            days.append(date.fromordinal(int(ordinal)))
            opens.append(datetime.fromtimestamp(int(opened), UTC))
            closes.append(datetime.fromtimestamp(int(closed), UTC))
    if not days or days[0] < CALENDAR_FIRST or days[-1] > CALENDAR_LAST:
        raise ValueError(f"{path}: not a session table for {CALENDAR_FIRST}..{CALENDAR_LAST}")
    return SessionTable(days=tuple(days), opens=tuple(opens), closes=tuple(closes))


def write_session_table(table: SessionTable, path: Path) -> None:
    """Write ``table`` in the shipped format (deterministic bytes: no gzip timestamp)."""
    lines = [f"# XNYS sessions {CALENDAR_FIRST}..{CALENDAR_LAST}: ordinal,open_s,close_s\n"]
    lines += [
        f"{d.toordinal()},{int(o.timestamp())},{int(c.timestamp())}\n"
        for d, o, c in zip(table.days, table.opens, table.closes, strict=True)
    ]
    with (
        open(path, "wb") as raw,
        gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as out,
    ):
        out.write("".join(lines).encode("ascii"))


def build_session_table() -> SessionTable:
    """The table from exchange-calendars itself (slow: imports pandas)."""
    import exchange_calendars as xcals  # local import: 0.7 s, only paid by code that needs it

    with warnings.catch_warnings():
        # exchange-calendars trips pandas deprecation warnings on build; they are not ours.
        warnings.simplefilter("ignore")
        cal = xcals.get_calendar(
            "XNYS", start=CALENDAR_FIRST.isoformat(), end=CALENDAR_LAST.isoformat()
        )
        days = tuple(ts.date() for ts in cal.sessions)
        opens = tuple(ts.to_pydatetime().astimezone(UTC) for ts in cal.opens)
        closes = tuple(ts.to_pydatetime().astimezone(UTC) for ts in cal.closes)
    return SessionTable(days=days, opens=opens, closes=closes)


if __name__ == "__main__":
    write_session_table(build_session_table(), SHIPPED_TABLE)
