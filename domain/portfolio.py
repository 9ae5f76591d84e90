"""Portfolio and positions as reported by the broker. Money is Decimal at this boundary."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import Field

from domain._base import DomainModel

__all__ = ["PortfolioSnapshot", "Position"]


class Position(DomainModel):
    symbol: str
    qty: Decimal
    """Signed quantity: negative for a short position."""
    avg_entry_price: Decimal
    market_price: Decimal | None = None

    @property
    def market_value(self) -> Decimal:
        price = self.market_price if self.market_price is not None else self.avg_entry_price
        return self.qty * price


class PortfolioSnapshot(DomainModel):
    """Account state at ``as_of``; without one the graph refuses to trade."""

    as_of: datetime
    cash: Decimal
    equity: Decimal
    buying_power: Decimal
    positions: dict[str, Position] = Field(default_factory=dict)
    account_id: str = ""

    def position_qty(self, symbol: str) -> Decimal:
        pos = self.positions.get(symbol)
        return pos.qty if pos is not None else Decimal(0)

    @property
    def gross_exposure(self) -> Decimal:
        return sum((abs(p.market_value) for p in self.positions.values()), Decimal(0))

    @property
    def net_exposure(self) -> Decimal:
        return sum((p.market_value for p in self.positions.values()), Decimal(0))
