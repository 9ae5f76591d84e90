"""What every job body receives: the settings in force, the operator engine, its slot and clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from config.settings import Settings
from graph.engine import TradingEngine
from graph.schedule.jobs import JobName
from graph.schedule.session import MarketSession
from tools.clock import Clock

__all__ = ["JobContext"]


@dataclass(frozen=True, slots=True)
class JobContext:
    job: JobName
    slot_at: datetime
    """The scheduled time this run belongs to (UTC); the cycle's thread id is derived from it."""
    settings: Settings
    """The settings in force for this whole job (hot reload applies at the next one)."""
    operator: TradingEngine
    """Broker, ledger and alerts (an operator engine: it opens even when market data is down)."""
    clock: Clock
    session: MarketSession
    owner: str
    """Which scheduler process runs it (host:pid), as recorded with the slot and heartbeats."""
    live_clock: bool
    """True when ``slot_at`` is about now on the wall clock, so the broker's clock may be asked."""
