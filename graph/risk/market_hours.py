"""Is the exchange open at a given instant? exchange-calendars' XNYS, cached once per process.

Why a calendar and not a weekday check: holidays and early closes are exactly the sessions where a
naive check sends orders into a closed market.
"""

from __future__ import annotations

import warnings
from datetime import datetime
from functools import lru_cache

import exchange_calendars as xcals
import pandas as pd

__all__ = ["exchange_open_at"]


@lru_cache(maxsize=4)
def _calendar(code: str) -> xcals.ExchangeCalendar:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas deprecation notices raised inside the library
        return xcals.get_calendar(code)


def exchange_open_at(at: datetime, *, exchange: str = "XNYS") -> bool:
    """True inside a regular session of ``exchange`` (outside the calendar's range: closed)."""
    if at.tzinfo is None:
        raise ValueError("exchange_open_at needs a timezone-aware datetime")
    calendar = _calendar(exchange)
    minute = pd.Timestamp(at).tz_convert("UTC").floor("min")
    if minute < calendar.first_minute or minute > calendar.last_minute:
        return False
    with warnings.catch_warnings():
        # exchange-calendars trips pandas' own deprecation notices; they are not ours to act on.
        warnings.simplefilter("ignore")
        return bool(calendar.is_open_on_minute(minute))
