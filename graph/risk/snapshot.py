"""Everything the gate may look at, gathered before it runs so the gate itself stays pure."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import Field

from domain import (
    AssetStatus,
    MarketSnapshot,
    Order,
    PortfolioSnapshot,
    Quote,
    TradingStateRecord,
)
from domain._base import DomainModel

__all__ = ["AccountRiskState", "GateSnapshot"]


class AccountRiskState(DomainModel):
    """Persisted account-level risk memory (see ``graph.risk.state_store``).

    Why separate from the portfolio: these numbers are ours, not the broker's, and must survive a
    restart so that a crash cannot reset the daily-loss baseline or the high-water mark.
    """

    session_baseline_equity: Decimal | None = None
    """Equity at the start of the current session; the daily-loss limit is measured from it."""
    high_water_mark: Decimal | None = None
    """Highest equity seen; the drawdown limit is measured from it."""
    day_trade_count: int = Field(default=0, ge=0)
    """Day trades in the last five sessions, as the broker reports them."""
    last_exit_at: dict[str, datetime] = Field(default_factory=dict)
    """When each symbol was last exited; the cooldown is measured from it."""
    recent_order_times: tuple[datetime, ...] = ()
    """Submission times of recent entry orders, for the order-rate throttle."""


class GateSnapshot(DomainModel):
    now: datetime
    portfolio: PortfolioSnapshot
    market: MarketSnapshot
    trading_state: TradingStateRecord = Field(default_factory=TradingStateRecord)
    open_orders: tuple[Order, ...] = ()
    assets: dict[str, AssetStatus] = Field(default_factory=dict)
    """Asset master entries for the tickers asked about (missing: unknown or unreadable)."""
    asset_master: bool = False
    """The broker has an asset master. Then a ticker missing from ``assets`` is vetoed as unknown
    (fail closed); without one (local paper) and with no entries the check is off."""
    quotes: dict[str, Quote] = Field(default_factory=dict)
    """The broker's current quote per entry ticker; missing means the data feed's bar stands."""
    sectors: dict[str, str] = Field(default_factory=dict)
    """Symbol -> sector for the sector cap; symbols without one form their own bucket."""
    market_open: bool | None = None
    """The broker clock's answer; ``None`` means ask the exchange calendar at ``now``."""
    risk_state: AccountRiskState = Field(default_factory=AccountRiskState)
    monitor_heartbeat_at: datetime | None = None
    """The position monitor's last heartbeat (``None``: no scheduler has run the monitor)."""
