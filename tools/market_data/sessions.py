"""NYSE trading sessions (exchange-calendars XNYS) as plain dates and UTC open/close times.

Why a fixed range: ``exchange_calendars.get_calendar`` defaults to a window around *today*, which
would make the synthetic market and the quality checks depend on the day they run. We pin the
window to 1990..2040 so the same inputs give the same sessions on any machine, any day, and build
the calendar once per process (about 0.4 s).
"""

from __future__ import annotations

import warnings
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from functools import lru_cache
from threading import Lock
from zoneinfo import ZoneInfo

__all__ = [
    "CALENDAR_FIRST",
    "CALENDAR_LAST",
    "NEW_YORK",
    "SessionOutOfRangeError",
    "SessionTable",
    "nyse_sessions",
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


@lru_cache(maxsize=1)
def _build() -> SessionTable:
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
