"""Fundamental records beyond the four every provider serves (statement line items)."""

from __future__ import annotations

from datetime import date, datetime

from domain._base import DomainModel

__all__ = ["LineItems", "Quote"]


class LineItems(DomainModel):
    """Chosen financial-statement lines for one report period, as public at ``available_at``."""

    ticker: str
    report_period: date
    """Last day of the fiscal period."""
    period: str
    """``ttm``, ``quarterly`` or ``annual``."""
    currency: str | None = None
    available_at: datetime
    """When the numbers were public (estimated from the report period; see the provider)."""
    values: dict[str, float | None]
    """Line item name to value; ``None`` where the filing does not report it."""


class Quote(DomainModel):
    """Best bid and ask at ``ts``; floats because quotes feed analytics and sanity checks."""

    ticker: str
    ts: datetime
    bid: float
    ask: float
    bid_size: float
    ask_size: float

    @property
    def mid(self) -> float:
        return (self.bid + self.ask) / 2.0
