"""Is the exchange open at a given instant? The one pinned NYSE session table decides.

Why a calendar and not a weekday check: holidays and early closes are exactly the sessions where a
naive check sends orders into a closed market. Why the pinned table (tools.market_data.sessions)
and not exchange-calendars' default: the default window moves with today's date, so the gate and
the market data could disagree about the same instant; one table built once per process cannot.
"""

from __future__ import annotations

from datetime import datetime

from tools.market_data.sessions import nyse_sessions

__all__ = ["exchange_open_at"]


def exchange_open_at(at: datetime, *, exchange: str = "XNYS") -> bool:
    """True inside a regular session of ``exchange`` (outside the calendar's range: closed)."""
    if at.tzinfo is None:
        raise ValueError("exchange_open_at needs a timezone-aware datetime")
    if exchange != "XNYS":
        raise ValueError(f"only the XNYS calendar is pinned, not {exchange!r}")
    return nyse_sessions().is_open(at)
