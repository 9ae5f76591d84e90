"""Everything the gate may look at, gathered before it runs so the gate itself stays pure."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from graph.domain import MarketSnapshot, Order, PortfolioSnapshot, TradingStateRecord
from graph.domain._base import DomainModel

__all__ = ["GateSnapshot"]


class GateSnapshot(DomainModel):
    now: datetime
    portfolio: PortfolioSnapshot
    market: MarketSnapshot
    trading_state: TradingStateRecord = Field(default_factory=TradingStateRecord)
    open_orders: tuple[Order, ...] = ()
