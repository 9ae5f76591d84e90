"""May a scheduled cycle submit orders? AUTO_TRADING_ENABLED, an ACTIVE account, pre-flight checks.

Why every reason is kept: a cycle that was not allowed to trade still runs as analysis only
(signals, analysts, the PM and the gate's verdicts are recorded, nothing is submitted), and the
operator must be able to read, for that slot, exactly why it did not trade.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from config.settings import Settings
from domain import TradingStatus
from graph.schedule.heartbeats import SCHEDULER_HEARTBEAT
from tools.brokers.base import AccountInfo, Broker, BrokerError
from tools.market_data.provider import MarketDataProvider
from tools.market_data.sessions import nyse_sessions
from tools.persistence.schedule_records import HeartbeatStore
from tools.persistence.sql_ledger import SqlLedger

__all__ = ["TradingPermission", "preflight_problems", "trading_permission"]


@dataclass(frozen=True, slots=True)
class TradingPermission:
    may_submit: bool
    reasons: list[str] = field(default_factory=list)
    """Why not (empty when ``may_submit``)."""


def trading_permission(
    settings: Settings,
    *,
    broker: Broker,
    ledger: SqlLedger,
    market_data: MarketDataProvider | None,
    now: datetime,
    owner: str,
) -> TradingPermission:
    """Every reason the slot may not submit orders; none means it may."""
    reasons: list[str] = []
    if not settings.auto_trading_enabled:
        reasons.append("AUTO_TRADING_ENABLED is false")
    state = ledger.trading_state()
    if state.status is not TradingStatus.ACTIVE:
        reasons.append(f"trading state is {state.status.value.upper()}: {state.reason}")
    reasons.extend(
        preflight_problems(
            settings, broker=broker, ledger=ledger, market_data=market_data, now=now, owner=owner
        )
    )
    return TradingPermission(may_submit=not reasons, reasons=reasons)


def preflight_problems(
    settings: Settings,
    *,
    broker: Broker,
    ledger: SqlLedger,
    market_data: MarketDataProvider | None,
    now: datetime,
    owner: str,
) -> list[str]:
    """Broker reachable, account active and not blocked, market data fresh, database writable."""
    problems: list[str] = []
    try:
        broker.portfolio()
        if isinstance(broker, AccountInfo) and broker.account().trading_blocked:
            problems.append("pre-flight: the broker account is blocked from trading")
    except (BrokerError, OSError) as exc:
        problems.append(f"pre-flight: broker unreachable ({type(exc).__name__}: {exc})")
    if market_data is not None and settings.universe:
        problems.extend(_stale_market_data(market_data, settings.universe[0], now))
    try:
        HeartbeatStore(ledger.store).beat(SCHEDULER_HEARTBEAT, now, owner=owner)
    except Exception as exc:  # any failure to write is the finding itself
        problems.append(f"pre-flight: database not writable ({type(exc).__name__})")
    return problems


def _stale_market_data(provider: MarketDataProvider, ticker: str, now: datetime) -> list[str]:
    """The newest daily bar must be no older than the session before the last closed one."""
    try:
        bars = provider.bars(ticker, start=(now - timedelta(days=14)).date(), as_of=now)
    except Exception as exc:  # a provider failure is the finding
        return [f"pre-flight: market data unreadable for {ticker} ({type(exc).__name__})"]
    table = nyse_sessions()
    last_closed = table.last_closed(now)
    if last_closed is None:
        return []
    sessions = table.between(last_closed - timedelta(days=10), last_closed)
    oldest_fresh = sessions[-2] if len(sessions) >= 2 else last_closed
    if not bars or bars[-1].ts.date() < oldest_fresh:
        newest = bars[-1].ts.date().isoformat() if bars else "none"
        return [f"pre-flight: market data stale for {ticker} (newest bar {newest})"]
    return []
