"""The account a whole-account property test trades: the fault-injecting Alpaca fake, the real
alpaca-py clients, the real SQL ledger, and the engine's own entry points.

Why a "world": the servers start once per test (a few seconds each), while every example of the
state machine needs a fresh account (new ledger, checkpoints and locks under a new home, the fake
emptied and re-priced). ``AccountWorld.new_account`` gives one; ``Account`` runs the steps.

The fake notes the ledger's trading state at the instant each order reaches it
(``ProbedAlpaca.placements``), which is what "no entry is placed while HALTED or REDUCING" is
checked against, and whether an operator halt was racing at that moment.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from config.settings import Settings, packaged_settings
from domain import TradingStatus
from graph.assembly import build_context
from graph.checkpoints.factory import aopen_checkpointer
from graph.context import TradingContext
from graph.monitor import operator
from graph.monitor.monitor import MonitorReport, PositionMonitor
from graph.monitor.reconcile import ReconciliationReport, reconcile
from graph.runner import CycleResult, arun_cycle
from tests.fakes.alpaca_data_server import AlpacaDataFake
from tests.fakes.alpaca_trading_server import FakeAlpaca
from tools.alerts.dispatcher import AlertDispatcher
from tools.brokers.alpaca import AlpacaBroker
from tools.clock import FixedClock
from tools.persistence.sql_ledger import SqlLedger

__all__ = [
    "AS_OF",
    "BASE_PRICES",
    "Account",
    "AccountWorld",
    "Placement",
    "ProbedAlpaca",
]

AS_OF = datetime(2025, 6, 10, 15, 0, tzinfo=UTC)
"""A Tuesday, 11:00 in New York: the loose thresholds buy AAPL, GOOGL, JPM and TSLA then."""

BASE_PRICES = {
    "AAPL": Decimal("261.8"),
    "GOOGL": Decimal("81.84"),
    "JPM": Decimal("228.33"),
    "TSLA": Decimal("289.29"),
    "MSFT": Decimal("20.65"),
}
"""The offline market's last close at ``AS_OF`` (the broker quotes the same, bid = ask)."""

POSITION_CAP = 0.04
"""Tighter than the packaged 10 %, so the cap binds within a dozen steps (a few cycles)."""

LOOSE = {"buy_score": 0.01, "min_signal_confidence": 0.01, "min_analyst_coverage": 1}


@dataclass(frozen=True, slots=True)
class Placement:
    """One order as the broker accepted it, with the account's state at that instant."""

    client_order_id: str
    symbol: str
    side: str
    qty: Decimal
    opening: bool
    """A buy into a flat or long position, or a sell beyond the long: it adds risk."""
    status: TradingStatus
    """The ledger's trading state when the order arrived."""
    racing_halt: bool
    """An operator halt was running at that moment (an in-flight submission may land)."""
    asset_unknown: bool
    """The broker's asset master answered 404 for the symbol at that moment."""


@dataclass
class ProbedAlpaca(FakeAlpaca):
    """The Alpaca fake, noting each accepted order's placement (see ``Placement``)."""

    state_of: Callable[[], TradingStatus] | None = None
    racing_halt: threading.Event = field(default_factory=threading.Event)
    placements: list[Placement] = field(default_factory=list)

    def new_order(self, body: dict[str, Any]) -> dict[str, Any]:
        held = self.positions.get(body["symbol"], {}).get("qty", Decimal(0))
        order = super().new_order(body)
        qty = Decimal(order["qty"])
        opening = held >= 0 if order["side"] == "buy" else held - qty < 0
        self.placements.append(
            Placement(
                client_order_id=order["client_order_id"],
                symbol=order["symbol"],
                side=order["side"],
                qty=qty,
                opening=opening,
                status=self.state_of() if self.state_of is not None else TradingStatus.ACTIVE,
                racing_halt=self.racing_halt.is_set(),
                asset_unknown=order["symbol"] in self.unknown_assets,
            )
        )
        return order

    def reset(self, prices: dict[str, Decimal]) -> None:
        """Empty the account and restore every knob, for the next example."""
        with self.lock:
            self.prices = dict(prices)
            self.cash = Decimal("100000")
            self.orders.clear()
            self.positions.clear()
            self.hidden.clear()
            self.faults.clear()
            self.unknown_assets.clear()
            self.placements.clear()
            self.lookup_faults = self.lookup_misses = self.asset_faults = 0
            self.fill_on_cancel = self.enforce_available_qty = False
            self.max_page_size = 500
            self.is_open = True
            self.racing_halt.clear()
            self.state_of = None


@dataclass
class AccountWorld:
    """The servers of one test; ``new_account`` builds a fresh account on them."""

    fake: ProbedAlpaca
    data: AlpacaDataFake
    trading_url: str
    data_url: str
    homes: Path
    made: int = 0

    def new_account(self) -> Account:
        self.made += 1
        self.fake.reset(BASE_PRICES)
        for symbol, price in BASE_PRICES.items():
            self.set_quote(symbol, price)
        home = self.homes / f"account-{self.made}"
        settings = packaged_settings(
            hedgegraph_home=home,
            broker="alpaca",
            apca_api_base_url=self.trading_url,
            apca_api_data_url=self.data_url,
            apca_api_key_id="test-key",
            apca_api_secret_key="test-secret",
            data_providers=["offline"],
            llm_provider="none",
            workflow_mode="signal",
            thresholds=LOOSE,
            risk={"symbol_cooldown_seconds": 0, "max_position_pct": POSITION_CAP},
        )
        account = Account(self, settings)
        self.fake.state_of = lambda: account.ledger.trading_state().status
        return account

    def set_quote(self, symbol: str, price: Decimal) -> None:
        self.data.set_quote(
            symbol, bid=float(price), ask=float(price), at=AS_OF.isoformat().replace("+00:00", "Z")
        )


class Account:
    """One fresh account and the operations a property test interleaves on it."""

    def __init__(self, world: AccountWorld, settings: Settings) -> None:
        self.world = world
        self.fake = world.fake
        self.settings = settings
        self.clock = FixedClock(AS_OF)
        self.ledger = SqlLedger.from_url(settings.effective_database_url)
        self.broker = AlpacaBroker(
            api_key="test-key",
            secret_key="test-secret",
            base_url=world.trading_url,
            data_url=world.data_url,
            clock=self.clock,
            timeout_seconds=1.0,
        )
        self.alerts = AlertDispatcher([], clock=self.clock, journal=self.ledger.alerts)
        self.context: TradingContext = build_context(
            settings, clock=self.clock, broker=self.broker, ledger=self.ledger, alerts=self.alerts
        )
        self.threads = 0

    def close(self) -> None:
        self.ledger.close()

    # -- the engine's entry points ----------------------------------------------------------

    def new_thread(self) -> str:
        self.threads += 1
        return f"cycle-{self.threads}"

    def cycles(self, runs: Sequence[tuple[str, Sequence[str]]]) -> list[CycleResult]:
        """Run cycles on their threads at once (one event loop, as the API's runs share one)."""

        async def all_at_once() -> list[CycleResult]:
            async with aopen_checkpointer(self.settings.effective_checkpoint_url) as saver:
                return list(
                    await asyncio.gather(*(self._cycle(saver, t, tickers) for t, tickers in runs))
                )

        return asyncio.run(all_at_once())

    async def _cycle(self, saver: Any, thread_id: str, tickers: Sequence[str]) -> CycleResult:
        return await arun_cycle(
            self.context,
            saver,
            thread_id=thread_id,
            tickers=list(tickers),
            mode="signal",
            session_mode="autonomous",
            trigger="test",
        )

    def halt_during_cycle(
        self, thread_id: str, tickers: Sequence[str]
    ) -> tuple[CycleResult, operator.HaltResult]:
        """An operator halt (in a worker thread) racing a cycle on ``thread_id``."""

        async def race() -> tuple[CycleResult, operator.HaltResult]:
            async with aopen_checkpointer(self.settings.effective_checkpoint_url) as saver:
                cycle = asyncio.create_task(self._cycle(saver, thread_id, tickers))
                await asyncio.sleep(0.3)  # let the cycle reach the market data first
                halted = await asyncio.to_thread(self.halt)
                return await cycle, halted

        self.fake.racing_halt.set()
        try:
            return asyncio.run(race())
        finally:
            self.fake.racing_halt.clear()

    def halt(self) -> operator.HaltResult:
        return operator.halt(
            reason="operator halt",
            broker=self.broker,
            ledger=self.ledger,
            limits=self.settings.risk,
            clock=self.clock,
            alerts=self.alerts,
            locks=self.context.thread_locks,
        )

    def reduce_only(self) -> None:
        operator.reduce_only(reason="operator reduce-only", ledger=self.ledger, clock=self.clock)

    def resume(self) -> operator.ResumeResult:
        return operator.resume(
            reason="operator resume",
            broker=self.broker,
            ledger=self.ledger,
            clock=self.clock,
            alerts=self.alerts,
        )

    def status(self) -> operator.TradingStatusView:
        return operator.trading_status(
            broker=self.broker, ledger=self.ledger, limits=self.settings.risk, clock=self.clock
        )

    def monitor_pass(self) -> MonitorReport:
        return PositionMonitor(
            broker=self.broker,
            ledger=self.ledger,
            limits=self.settings.risk,
            clock=self.clock,
            alerts=self.alerts,
            locks=self.context.thread_locks,
        ).run_once()

    def reconcile(self) -> ReconciliationReport:
        return reconcile(
            broker=self.broker, ledger=self.ledger, clock=self.clock, alerts=self.alerts
        )

    # -- the market (moves only we make) -------------------------------------------------------

    def set_price(self, symbol: str, price: Decimal) -> None:
        with self.fake.lock:
            self.fake.prices[symbol] = price
        self.world.set_quote(symbol, price)

    def advance(self, minutes: int) -> None:
        self.clock.advance(timedelta(minutes=minutes))
