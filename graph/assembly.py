"""Builds the runtime context from settings: the one place that picks concrete implementations.

Embedded default (no keys, no servers): offline market data, rules-only analysts, the local paper
broker and the ledger in SQLite under HEDGEGRAPH_HOME. Production swaps each piece through the
same settings, never through code changes in the nodes.

Why the cycle's parts are imported inside ``build_context``: the operator engine builds only the
broker (``build_broker``, ``lazy_close_source``) and must not pay for, or depend on, the analyst
registry, the LLM clients or the market-data providers; importing them costs seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from config.settings import ConfigError, Settings
from tools.brokers.base import Broker, BrokerError
from tools.brokers.paper import PaperBroker
from tools.clock import Clock, SystemClock
from tools.market_data.provider import MarketDataError, MarketDataProvider

if TYPE_CHECKING:
    from graph.context import TradingContext
    from tools.alerts.dispatcher import AlertDispatcher
    from tools.persistence.ledger import Ledger

__all__ = ["build_broker", "build_context", "latest_close_source", "lazy_close_source"]


def latest_close_source(provider: MarketDataProvider, clock: Clock) -> Callable[[str], Decimal]:
    """Paper-broker price source: the last close the market data knows at ``clock.now()``."""

    def latest_close(ticker: str) -> Decimal:
        now = clock.now()
        try:
            bars = provider.bars(ticker, start=(now - timedelta(days=10)).date(), as_of=now)
        except MarketDataError as exc:
            raise BrokerError(f"paper broker has no price for {ticker}: {exc}") from exc
        if not bars:
            raise BrokerError(f"paper broker has no price for {ticker}: no recent bars")
        return Decimal(str(round(bars[-1].close, 4)))

    return latest_close


def lazy_close_source(settings: Settings, clock: Clock) -> Callable[[str], Decimal]:
    """Paper-broker price source that builds the market data only when a price is first needed.

    Why: the operator's commands (``halt``, ``status``) open the paper broker but must work when
    the data provider is misconfigured (a provider without keys); only an exit that needs a fill
    price asks for one, and a provider that cannot be built is then a ``BrokerError`` for that
    order, never a start-up traceback that leaves every position open.
    """
    built: list[Callable[[str], Decimal]] = []

    def latest_close(ticker: str) -> Decimal:
        if not built:
            try:
                from tools.market_data.factory import build_market_data

                built.append(latest_close_source(build_market_data(settings), clock))
            except Exception as exc:
                raise BrokerError(f"paper broker has no price source: {exc}") from exc
        return built[0](ticker)

    return latest_close


def build_broker(
    settings: Settings, clock: Clock, price_source: Callable[[str], Decimal]
) -> Broker:
    """Alpaca (paper unless live is requested and confirmed) or the local paper broker."""
    if settings.broker == "alpaca":
        from tools.brokers.alpaca import build_alpaca_broker

        return build_alpaca_broker(settings)
    settings.hedgegraph_home.mkdir(parents=True, exist_ok=True)
    return PaperBroker(
        database_url=f"sqlite:///{settings.hedgegraph_home / 'paper_broker.sqlite'}",
        starting_cash=Decimal(str(settings.paper.starting_cash)),
        slippage_bps=settings.paper.slippage_bps,
        price_source=price_source,
        clock=clock,
    )


def build_context(
    settings: Settings,
    *,
    clock: Clock | None = None,
    broker: Broker | None = None,
    ledger: Ledger | None = None,
    alerts: AlertDispatcher | None = None,
) -> TradingContext:
    """The runtime context for ``settings``; raises ``ConfigError`` for an unknown analyst name.

    ``TradingEngine`` passes the broker, ledger and alerts it already built; tests may too.
    """
    from agents.analysts.registry import UnknownAnalystError, analyst_roster
    from graph.checkpoints.locks import thread_locks_from_settings
    from graph.context import TradingContext
    from mazo_bridge.placeholder import RulesResearch
    from tools.llm.factory import build_llm
    from tools.market_data.factory import build_market_data
    from tools.market_data.snapshot_store import snapshot_store_from_settings
    from tools.persistence.sql_ledger import SqlLedger

    try:
        analyst_roster(settings.analysts)
    except UnknownAnalystError as exc:
        raise ConfigError(f"invalid configuration:\n  analysts: {exc}") from None
    clock = clock or SystemClock()
    settings.hedgegraph_home.mkdir(parents=True, exist_ok=True)
    market_data = build_market_data(settings)
    return TradingContext(
        settings=settings,
        market_data=market_data,
        broker=broker or build_broker(settings, clock, latest_close_source(market_data, clock)),
        ledger=ledger or SqlLedger.from_url(settings.effective_database_url),
        research=RulesResearch(),
        clock=clock,
        llm=build_llm(settings),
        thread_locks=thread_locks_from_settings(settings),
        alerts=alerts,
        snapshots=snapshot_store_from_settings(settings),
    )
