"""Gather everything the gate may read, once, before the pure gate runs.

Why a gatherer: the gate must stay pure, yet its rules need the broker clock, the asset master, the
day-trade count and the persisted risk memory. Brokers that lack one of these (the local paper
broker has no asset master or clock) simply leave it out; the gate then falls back to the exchange
calendar for market hours and skips the asset check.
"""

from __future__ import annotations

from collections.abc import Iterable

from config.settings import RiskParameters
from domain import AssetStatus, MarketSnapshot
from graph.risk.memory import RiskMemory
from graph.risk.snapshot import AccountRiskState, GateSnapshot
from tools.brokers.base import Broker, BrokerError
from tools.clock import Clock
from tools.persistence.ledger import Ledger

__all__ = ["gather_gate_snapshot"]


def gather_gate_snapshot(
    *,
    broker: Broker,
    ledger: Ledger,
    market: MarketSnapshot,
    limits: RiskParameters,
    clock: Clock,
    tickers: Iterable[str] = (),
    sectors: dict[str, str] | None = None,
) -> GateSnapshot:
    """A fresh ``GateSnapshot``; raises ``BrokerError`` when the account cannot be read."""
    now = clock.now()
    portfolio = broker.portfolio()
    open_orders = tuple(broker.open_orders())
    market_open: bool | None = None
    assets: dict[str, AssetStatus] = {}
    day_trades = 0
    if hasattr(broker, "market_open"):
        market_open = bool(broker.market_open())
    if hasattr(broker, "asset"):
        for ticker in sorted(set(tickers)):
            try:
                assets[ticker] = broker.asset(ticker)
            except BrokerError:
                continue  # unknown to the broker: the gate vetoes it as not tradable
    if hasattr(broker, "account"):
        day_trades = int(broker.account().daytrade_count)
    store = getattr(ledger, "store", None)
    risk_state = (
        RiskMemory(store).account_state(
            equity=portfolio.equity,
            now=now,
            day_trade_count=day_trades,
            cooldown_seconds=limits.symbol_cooldown_seconds,
        )
        if store is not None
        else AccountRiskState(day_trade_count=day_trades)
    )
    return GateSnapshot(
        now=now,
        portfolio=portfolio,
        market=market,
        trading_state=ledger.trading_state(),
        open_orders=open_orders,
        assets=assets,
        sectors=dict(sectors if sectors is not None else limits.symbol_sectors),
        market_open=market_open,
        risk_state=risk_state,
    )
