"""What every command opens first: validated settings, the account it acts on, and a clock.

Why lazy: ``hedgegraph --help`` and ``status`` must start in well under a second, so nothing here
imports the graph, the LLM clients, pandas or the checkpointers at module level; each function
imports what it needs when it is called. Operator commands open only the broker, the ledger and
the alert dispatcher, never market-data providers with keys, analysts or LLMs (an emergency stop
must not depend on them).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import typer

from api.replays import AS_OF_FORMATS, as_utc, replay_key, replay_settings, thread_replay
from api.startup_errors import fail, startup_guard

if TYPE_CHECKING:
    from config.settings import Settings
    from tools.alerts.dispatcher import AlertDispatcher
    from tools.brokers.base import Broker
    from tools.clock import Clock
    from tools.persistence.sql_ledger import SqlLedger

__all__ = [
    "AsOfOption",
    "OperatorParts",
    "ReplayOption",
    "account_settings",
    "load_cli_settings",
    "open_operator_parts",
    "replay_clock",
]

AsOfOption = Annotated[
    datetime | None,
    typer.Option(
        "--as-of",
        formats=list(AS_OF_FORMATS),
        help="Replay at this time (UTC unless an offset is given) on the replay's own paper "
        "account; paper broker only.",
    ),
]
ReplayOption = Annotated[
    datetime | None,
    typer.Option(
        "--replay",
        formats=list(AS_OF_FORMATS),
        help="Act on the paper account of the replay started with this --as-of.",
    ),
]


def load_cli_settings(*, operator: bool = False) -> Settings:
    """Validated settings; a bad value exits 2 naming the key (nothing is opened yet).

    ``operator``: the broker's and the ledger's settings only are required; a missing LLM or
    market-data key must not stop ``halt`` or ``status`` (see ``load_operator_settings``).
    """
    with startup_guard():
        from config.settings import load_operator_settings, load_settings

        return load_operator_settings() if operator else load_settings()


def _replay_key_for(settings: Settings, at: datetime) -> str:
    if settings.broker != "paper":
        fail("--as-of / --replay replay history and are refused with BROKER=alpaca")
    return replay_key(at)


def account_settings(
    settings: Settings, *, as_of: datetime | None = None, thread_id: str | None = None
) -> tuple[Settings, str | None]:
    """The settings of the account a command acts on, and the replay key (``None``: real).

    A thread started in a replay stays in it: ``approve --thread`` and ``run --thread`` find its
    account through the replay index even when given a later ``--as-of`` or none.
    """
    key = thread_replay(settings.hedgegraph_home, thread_id) if thread_id else None
    if key is None and as_of is not None:
        key = _replay_key_for(settings, as_of)
    if key is None:
        return settings, None
    if settings.broker != "paper":
        fail("this thread belongs to a replay, which needs BROKER=paper")
    return replay_settings(settings, key), key


def replay_clock(as_of: datetime | None, key: str | None) -> Clock:
    """``--as-of`` if given; else the replay's own moment; else the wall clock."""
    from tools.clock import FixedClock, SystemClock

    if as_of is not None:
        return FixedClock(as_utc(as_of))
    if key is not None:
        return FixedClock(as_utc(datetime.strptime(key, "%Y-%m-%dT%H%M%SZ")))
    return SystemClock()


@dataclass(frozen=True, slots=True)
class OperatorParts:
    """The broker, the ledger and the alert dispatcher: all an operator command needs."""

    settings: Settings
    broker: Broker
    ledger: SqlLedger
    alerts: AlertDispatcher
    clock: Clock


def _paper_price_source(settings: Settings, clock: Clock) -> Callable[[str], Decimal]:
    """The paper broker's fill price: the last close the configured market data knows."""
    from datetime import timedelta

    from tools.brokers.base import BrokerError
    from tools.market_data.factory import build_market_data
    from tools.market_data.provider import MarketDataError

    provider = None

    def latest_close(ticker: str) -> Decimal:
        nonlocal provider
        if provider is None:  # built on first use: status never needs a price
            provider = build_market_data(settings)
        now = clock.now()
        try:
            bars = provider.bars(ticker, start=(now - timedelta(days=10)).date(), as_of=now)
        except MarketDataError as exc:
            raise BrokerError(f"paper broker has no price for {ticker}: {exc}") from exc
        if not bars:
            raise BrokerError(f"paper broker has no price for {ticker}: no recent bars")
        return Decimal(str(round(bars[-1].close, 4)))

    return latest_close


def _broker(settings: Settings, clock: Clock) -> Broker:
    if settings.broker == "alpaca":
        from tools.brokers.alpaca import build_alpaca_broker

        return build_alpaca_broker(settings)
    from tools.brokers.paper import PaperBroker

    settings.hedgegraph_home.mkdir(parents=True, exist_ok=True)
    return PaperBroker(
        database_url=f"sqlite:///{settings.hedgegraph_home / 'paper_broker.sqlite'}",
        starting_cash=Decimal(str(settings.paper.starting_cash)),
        slippage_bps=settings.paper.slippage_bps,
        price_source=_paper_price_source(settings, clock),
        clock=clock,
    )


class LedgerUnreadableError(Exception):
    """The ledger could not be opened; the broker (and settings, clock) still can be."""

    def __init__(self, problem: str, *, settings: Settings, broker: Broker, clock: Clock) -> None:
        super().__init__(problem)
        self.problem = problem
        self.settings = settings
        self.broker = broker
        self.clock = clock


def open_operator_parts(
    *, replay: datetime | None = None, broker_without_ledger: bool = False
) -> OperatorParts:
    """Settings (of the replay account when ``replay`` is given), broker, ledger and alerts.

    With ``broker_without_ledger`` (the emergency stop), a ledger that cannot be opened raises
    ``LedgerUnreadableError`` carrying the broker, instead of exiting: the halt still flattens.
    """
    settings, key = account_settings(load_cli_settings(operator=True), as_of=replay)
    clock = replay_clock(replay, key)
    with startup_guard():
        from tools.alerts.factory import dispatcher_from_env
        from tools.persistence.sql_ledger import SqlLedger

        settings.hedgegraph_home.mkdir(parents=True, exist_ok=True)
        broker = _broker(settings, clock)
        try:
            ledger = SqlLedger.from_url(settings.effective_database_url)
        except Exception as exc:
            from api.startup_errors import is_startup_failure

            title = is_startup_failure(exc)
            if not broker_without_ledger or title is None:
                raise
            problem = f"{title}: {type(exc).__name__}: {exc}"
            raise LedgerUnreadableError(
                problem, settings=settings, broker=broker, clock=clock
            ) from exc
        alerts = dispatcher_from_env(os.environ, clock=clock, journal=ledger.alerts)
    return OperatorParts(
        settings=settings, broker=broker, ledger=ledger, alerts=alerts, clock=clock
    )
