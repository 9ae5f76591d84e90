"""The engine every face opens: ``async with TradingEngine.open(settings, purpose=...)``.

Why one engine: the CLI, the HTTP API, the scheduler and the backtester must start the same way
(settings validated, schema checked, checkpointer opened, broker reconciled, alerts stored) and
fail the same way (one ``EngineStartupError`` that a face turns into exit status 2), and they must
close everything they opened. Each purpose builds only what it needs:

- ``cycle``: everything a trading cycle uses, reconciled with the broker first.
- ``operator``: the broker, the ledger and the alerts, never the LLM, the analysts or market data,
  so ``halt`` works whatever else is broken. A ledger that cannot be opened does not stop an
  operator engine: ``ledger_problem`` says why and ``broker`` still works, so the emergency stop
  can flatten at the broker and report that the books could not be written.
- ``backtest``: a cycle on the local paper broker only; a live or Alpaca client is never built.
- ``test``: like ``cycle``, without start-up reconciliation unless asked for.

Why the cycle's parts are imported inside ``_assemble_cycle``: the operator commands open this
engine too, and the analysts, the LLM clients, LangGraph's checkpointers and market data cost
seconds to import; ``hedgegraph status`` must start in well under one.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from config.settings import Settings, load_settings
from graph.assembly import build_broker, lazy_close_source
from graph.startup import (
    EngineStartupError,
    StartupFailure,
    check_home,
    check_urls,
    ledger_from_settings,
    step,
)
from tools.alerts.dispatcher import AlertDispatcher
from tools.alerts.factory import dispatcher_from_settings
from tools.brokers.base import Broker, ClosableBroker
from tools.brokers.paper import PaperBroker
from tools.clock import Clock, FixedClock, SystemClock
from tools.persistence.sql_ledger import SqlLedger

if TYPE_CHECKING:
    from langgraph.checkpoint.base import BaseCheckpointSaver

    from graph.context import TradingContext
    from graph.monitor.reconcile import ReconciliationReport

__all__ = [
    "EnginePurpose",
    "EngineStartupError",
    "LedgerUnavailableError",
    "StartupFailure",
    "TradingEngine",
]

log = logging.getLogger(__name__)


class EnginePurpose(StrEnum):
    CYCLE = "cycle"
    OPERATOR = "operator"
    BACKTEST = "backtest"
    TEST = "test"


class LedgerUnavailableError(EngineStartupError):
    """An operator engine opened without its ledger; the broker is still usable."""


class PurposeError(RuntimeError):
    """Something the engine's purpose does not build was asked for (a cycle context on an
    operator engine)."""


class TradingEngine:
    """What one face holds while it runs; build it with ``TradingEngine.open``."""

    def __init__(
        self,
        *,
        settings: Settings,
        purpose: EnginePurpose,
        clock: Clock,
        broker: Broker,
        ledger: SqlLedger | None,
        ledger_problem: str | None,
        alerts: AlertDispatcher,
        context: TradingContext | None,
        checkpointer: BaseCheckpointSaver[Any] | None,
        reconciliation: ReconciliationReport | None,
    ) -> None:
        self.settings = settings
        self.purpose = purpose
        self.clock = clock
        self.broker = broker
        self.alerts = alerts
        self.reconciliation = reconciliation
        """Start-up reconciliation's report (``None`` when the purpose does not reconcile)."""
        self.ledger_problem = ledger_problem
        """Why the ledger could not be opened (operator engines only; otherwise ``None``)."""
        self._ledger = ledger
        self._context = context
        self._checkpointer = checkpointer

    @property
    def ledger(self) -> SqlLedger:
        if self._ledger is None:
            raise LedgerUnavailableError(
                StartupFailure.DATABASE, self.ledger_problem or "the ledger is not open"
            )
        return self._ledger

    @property
    def context(self) -> TradingContext:
        """The runtime context for cycles (not built for the ``operator`` purpose)."""
        if self._context is None:
            raise PurposeError(f"a {self.purpose.value} engine builds no cycle context")
        return self._context

    @property
    def checkpointer(self) -> BaseCheckpointSaver[Any]:
        if self._checkpointer is None:
            raise PurposeError(f"a {self.purpose.value} engine opens no checkpointer")
        return self._checkpointer

    @classmethod
    @asynccontextmanager
    async def open(
        cls,
        settings: Settings | None = None,
        *,
        purpose: EnginePurpose | str,
        clock: Clock | None = None,
        as_of: datetime | None = None,
        reconcile_at_start: bool | None = None,
        **overrides: Any,
    ) -> AsyncIterator[TradingEngine]:
        """Open the engine for ``purpose``; close every client, pool and engine on exit.

        Args:
            settings: validated settings; ``None`` loads them (with ``overrides``).
            purpose: what the face will do (``EnginePurpose``).
            clock: the clock nodes read (tests pass a ``FixedClock``).
            as_of: replay at this time; allowed only against the local paper broker.
            reconcile_at_start: override the purpose's default (cycle and backtest reconcile).

        Raises:
            EngineStartupError: any start-up step failed; ``failure`` says which.
        """
        purpose = EnginePurpose(purpose)
        if settings is None:
            with step(StartupFailure.CONFIGURATION, "invalid configuration", None):
                settings = load_settings(**overrides)
        clock = _clock(settings, purpose, clock, as_of)
        if purpose is not EnginePurpose.OPERATOR:
            # An operator engine skips these: each part it needs fails (or is tolerated) alone.
            check_home(settings)
            check_urls(settings)
        async with AsyncExitStack() as stack:
            engine = await _assemble(stack, settings, purpose, clock, reconcile_at_start)
            yield engine


def _clock(
    settings: Settings, purpose: EnginePurpose, clock: Clock | None, as_of: datetime | None
) -> Clock:
    """The replay-only-on-paper rule, and a backtest that can never reach a real broker."""
    if purpose is EnginePurpose.BACKTEST and (
        settings.broker != "paper" or settings.trading_mode != "paper"
    ):
        raise EngineStartupError(
            StartupFailure.PURPOSE,
            f"a backtest runs on the local paper broker only (BROKER={settings.broker}, "
            f"TRADING_MODE={settings.trading_mode})",
        )
    if as_of is not None:
        if settings.broker != "paper":
            raise EngineStartupError(
                StartupFailure.PURPOSE,
                f"replaying history (as of {as_of:%Y-%m-%d}) is refused with BROKER="
                f"{settings.broker}: a replay may only trade the local paper broker",
            )
        return FixedClock(as_of if as_of.tzinfo else as_of.replace(tzinfo=UTC))
    return clock or SystemClock()


async def _assemble(
    stack: AsyncExitStack,
    settings: Settings,
    purpose: EnginePurpose,
    clock: Clock,
    reconcile_at_start: bool | None,
) -> TradingEngine:
    operator = purpose is EnginePurpose.OPERATOR
    ledger, ledger_problem = _open_ledger(settings, tolerate=operator)
    if ledger is not None:
        stack.callback(ledger.close)
    with step(StartupFailure.BROKER, "the broker could not be opened", settings):
        broker = build_broker(settings, clock, lazy_close_source(settings, clock))
    if isinstance(broker, ClosableBroker):  # its pool and sessions end with the engine
        stack.callback(broker.close)
    if purpose is EnginePurpose.BACKTEST:
        assert isinstance(broker, PaperBroker), "a backtest must never build a broker client"
    with step(StartupFailure.CONFIGURATION, "alert settings", settings):
        journal = ledger.alerts if ledger is not None else None  # every alert is stored
        alerts = dispatcher_from_settings(settings, clock=clock, journal=journal)
    if operator:
        return TradingEngine(
            settings=settings,
            purpose=purpose,
            clock=clock,
            broker=broker,
            ledger=ledger,
            ledger_problem=ledger_problem,
            alerts=alerts,
            context=None,
            checkpointer=None,
            reconciliation=None,
        )
    assert ledger is not None  # only an operator engine tolerates a missing ledger
    return await _assemble_cycle(
        stack,
        settings,
        purpose,
        clock,
        reconcile_at_start,
        broker=broker,
        ledger=ledger,
        alerts=alerts,
    )


async def _assemble_cycle(
    stack: AsyncExitStack,
    settings: Settings,
    purpose: EnginePurpose,
    clock: Clock,
    reconcile_at_start: bool | None,
    *,
    broker: Broker,
    ledger: SqlLedger,
    alerts: AlertDispatcher,
) -> TradingEngine:
    """Checkpointer, cycle context and start-up reconciliation: what only a cycle needs."""
    from graph.assembly import build_context
    from graph.checkpoints.factory import aopen_checkpointer
    from graph.monitor.reconcile import reconcile

    with step(StartupFailure.CHECKPOINTS, "the checkpoints could not be opened", settings):
        checkpointer = await stack.enter_async_context(
            aopen_checkpointer(settings.effective_checkpoint_url)
        )
    with step(StartupFailure.COMPONENT, "the cycle's parts could not be built", settings):
        context = build_context(settings, clock=clock, broker=broker, ledger=ledger, alerts=alerts)
    for part in (context.thread_locks, context.market_data, context.llm):
        _close_later(stack, part)
    reconciliation = None
    wants = reconcile_at_start
    if wants is None:
        wants = purpose in (EnginePurpose.CYCLE, EnginePurpose.BACKTEST)
    if wants:
        with step(StartupFailure.RECONCILIATION, "start-up reconciliation failed", settings):
            reconciliation = reconcile(broker=broker, ledger=ledger, clock=clock, alerts=alerts)
        if not reconciliation.clean:
            log.error("reconciliation found differences; trading is HALTED")
    return TradingEngine(
        settings=settings,
        purpose=purpose,
        clock=clock,
        broker=broker,
        ledger=ledger,
        ledger_problem=None,
        alerts=alerts,
        context=context,
        checkpointer=checkpointer,
        reconciliation=reconciliation,
    )


def _open_ledger(settings: Settings, *, tolerate: bool) -> tuple[SqlLedger | None, str | None]:
    """The ledger; an operator engine records why it is unreadable instead of failing."""
    try:
        with step(StartupFailure.DATABASE, "the ledger could not be opened", settings):
            return ledger_from_settings(settings), None
    except EngineStartupError as exc:
        if not tolerate:
            raise
        log.error("operator engine without its ledger: %s", exc)
        return None, str(exc)


@runtime_checkable
class _Closeable(Protocol):
    def close(self) -> object: ...


@runtime_checkable
class _AsyncCloseable(Protocol):
    async def aclose(self) -> object: ...


def _close_later(stack: AsyncExitStack, part: object) -> None:
    """Close ``part`` with the engine if it holds connections, files or a pool."""
    if isinstance(part, _AsyncCloseable):
        stack.push_async_callback(part.aclose)
    elif isinstance(part, _Closeable):
        stack.callback(part.close)
