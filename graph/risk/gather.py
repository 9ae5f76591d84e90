"""Gather everything the gate may read, once, before the pure gate runs.

Why a gatherer: the gate must stay pure, yet its rules need the broker clock, the asset master, the
current quote, the day-trade count and the persisted risk memory. What a broker offers beyond the
core protocol is asked with the capability protocols of ``tools.brokers.base`` (``isinstance``),
never by probing attribute names, so a renamed method is a type error and not a silently skipped
risk check. A broker without a clock leaves market hours to the exchange calendar; without quotes
the data feed's latest bar stands; with an asset master an unknown or unreadable ticker is left
out of ``assets`` and the gate vetoes it (fail closed).

Execution calls this inside the account lock, so the snapshot already holds every order an earlier
holder of the lock sent.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from config.settings import RiskParameters
from domain import AssetStatus, MarketSnapshot, Quote
from graph.risk.memory import RiskMemory
from graph.risk.snapshot import GateSnapshot
from tools.brokers.base import (
    AccountInfo,
    AssetMaster,
    Broker,
    BrokerError,
    MarketClock,
    QuoteSource,
)
from tools.clock import Clock
from tools.persistence.ledger import Ledger
from tools.persistence.sql_ledger import SqlLedger

MONITOR_HEARTBEAT = "monitor"
"""The heartbeat component the position monitor's scheduled job writes."""

__all__ = ["gather_gate_snapshot"]


def _assets(broker: AssetMaster, tickers: Iterable[str]) -> dict[str, AssetStatus]:
    assets: dict[str, AssetStatus] = {}
    for ticker in tickers:
        try:
            assets[ticker] = broker.asset(ticker)
        except BrokerError:
            continue  # unknown or unreadable: the gate vetoes it as asset_unknown
    return assets


def _quotes(broker: QuoteSource, tickers: Iterable[str]) -> dict[str, Quote]:
    quotes: dict[str, Quote] = {}
    for ticker in tickers:
        try:
            quote = broker.latest_quote(ticker)
        except BrokerError:
            continue  # the data feed's latest bar stands in
        if quote is not None:
            quotes[ticker] = quote
    return quotes


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
    wanted = sorted(set(tickers))
    portfolio = broker.portfolio()
    open_orders = tuple(broker.open_orders())
    market_open = bool(broker.market_open()) if isinstance(broker, MarketClock) else None
    asset_master = isinstance(broker, AssetMaster)
    assets = _assets(broker, wanted) if isinstance(broker, AssetMaster) else {}
    quotes = _quotes(broker, wanted) if isinstance(broker, QuoteSource) else {}
    day_trades = int(broker.account().daytrade_count) if isinstance(broker, AccountInfo) else 0
    risk_state = RiskMemory(ledger).account_state(
        portfolio=portfolio,
        now=now,
        day_trade_count=day_trades,
        cooldown_seconds=limits.symbol_cooldown_seconds,
    )
    return GateSnapshot(
        now=now,
        portfolio=portfolio,
        market=market,
        trading_state=ledger.trading_state(),
        open_orders=open_orders,
        assets=assets,
        asset_master=asset_master,
        quotes=quotes,
        sectors=dict(sectors if sectors is not None else limits.symbol_sectors),
        market_open=market_open,
        risk_state=risk_state,
        monitor_heartbeat_at=_monitor_heartbeat(ledger),
    )


def _monitor_heartbeat(ledger: Ledger) -> datetime | None:
    """The monitor's last beat from the scheduler's records (SQL ledgers only)."""
    if not isinstance(ledger, SqlLedger):
        return None
    from tools.persistence.schedule_records import HeartbeatStore

    row = HeartbeatStore(ledger.store).last(MONITOR_HEARTBEAT)
    return row.beat_at if row is not None else None
