"""The runtime context: every dependency a node uses, passed per run, never a global.

Tests and backtests build their own ``TradingContext`` (a fixed clock, a CSV provider, a paper
broker on a temp file) and the same nodes run unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from config.settings import Settings
from graph.checkpoints.locks import InProcessThreadLocks, ThreadLocks
from mazo_bridge.service import ResearchService
from tools.alerts.dispatcher import AlertDispatcher
from tools.brokers.base import Broker
from tools.clock import Clock
from tools.llm.base import StructuredLLM
from tools.market_data.provider import MarketDataProvider
from tools.market_data.snapshot_store import InProcessSnapshotStore, SnapshotStore
from tools.persistence.ledger import Ledger

__all__ = ["TradingContext"]


@dataclass(frozen=True, slots=True)
class TradingContext:
    settings: Settings
    market_data: MarketDataProvider
    broker: Broker
    ledger: Ledger
    research: ResearchService
    clock: Clock
    llm: StructuredLLM | None = None
    """``None`` means rules-only: analysts' deterministic cores stand, marked as such."""
    thread_locks: ThreadLocks = field(default_factory=InProcessThreadLocks)
    """Serialises runs and resumes of one thread (file or Redis locks across processes)."""
    alerts: AlertDispatcher | None = None
    """Where failures that need an operator go (every alert is also stored and logged)."""
    snapshots: SnapshotStore = field(default_factory=InProcessSnapshotStore)
    """Where the run's market snapshot lives; the state holds only its reference."""
