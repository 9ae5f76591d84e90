"""Typed records the store returns for things the graph's domain model does not cover.

Why here and not in ``domain``: these are the store's answers to the faces (runs, alerts, the
watchlist, the equity curve); the graph hands in domain values and gets these back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import Field

from domain import (
    AnalystVerdict,
    EventSeverity,
    GateOutcome,
    GateVerdict,
    Order,
    OrderIntent,
    ReasonCode,
    TradeAction,
    TradeDecision,
)
from domain._base import DomainModel

__all__ = [
    "AlertRecord",
    "AlertStatus",
    "BookedOrder",
    "DecisionAuditEntry",
    "DecisionAuditRecord",
    "PerformanceSnapshot",
    "RiskBaseline",
    "RunRecord",
    "RunStatus",
    "RunTrigger",
    "WatchlistEntry",
    "WatchlistStatus",
]


class RunStatus(StrEnum):
    """How a run stands; the final values match ``CycleEvent.status`` of its FINISHED event."""

    RUNNING = "running"
    COMPLETED = "completed"
    AWAITING_APPROVAL = "awaiting_approval"
    """Stopped at the approval interrupt, waiting for a human verdict."""
    CANCELLED = "cancelled"
    FAILED = "failed"

    @property
    def is_final(self) -> bool:
        return self is not RunStatus.RUNNING


class RunTrigger(StrEnum):
    """What started a run, so the operator can tell a scheduled cycle from a manual one."""

    CLI = "cli"
    API = "api"
    SCHEDULER = "scheduler"
    MONITOR = "monitor"
    BACKTEST = "backtest"
    TEST = "test"


class RunRecord(DomainModel):
    """One invocation (or resume) of a thread as stored."""

    run_id: str
    thread_id: str
    trigger: RunTrigger
    status: RunStatus
    started_at: datetime
    finished_at: datetime | None = None
    error: str | None = None
    """Why a FAILED run failed (required for FAILED)."""
    last_seq: int = 0
    """Sequence number of the run's newest stored event (0: none yet)."""


class BookedOrder(DomainModel):
    """An intent with what the gate approved and the broker's order, if one is recorded."""

    intent: OrderIntent
    approved_qty: Decimal
    order: Order | None = None
    """``None``: the intent is persisted but no broker order is recorded (yet)."""


@dataclass(frozen=True, slots=True)
class DecisionAuditEntry:
    """What the decision audit is given for one decision (invariant 6); stored as a
    ``DecisionAuditRecord``. A plain dataclass: its parts are validated domain values already,
    and a cycle hands in one per ticker."""

    thread_id: str
    decision: TradeDecision
    verdicts: Sequence[AnalystVerdict]
    gate_verdict: GateVerdict | None
    inputs_digest: str
    model: str
    prompt_hash: str | None
    order_client_ids: Sequence[str]
    recorded_at: datetime | None = None
    """When it was decided; without it, the gate verdict's intent time (one of them is needed)."""


class DecisionAuditRecord(DomainModel):
    """One decision audit row as stored (invariant 6)."""

    thread_id: str
    decision_id: str
    ticker: str
    action: TradeAction
    quantity: Decimal
    confidence: float
    policy: str
    reasoning: str
    inputs_digest: str
    model: str
    prompt_hash: str | None
    analyst_verdicts: tuple[dict[str, object], ...]
    gate_outcome: GateOutcome | None
    gate_reason_codes: tuple[ReasonCode, ...]
    order_client_ids: tuple[str, ...]
    recorded_at: datetime


class RiskBaseline(DomainModel):
    """Start-of-session equity (daily-loss limit) and the high-water mark (drawdown limit)."""

    session_date: date
    start_equity: Decimal
    high_water_mark: Decimal
    updated_at: datetime


class WatchlistStatus(StrEnum):
    ACTIVE = "active"
    TRIGGERED = "triggered"
    EXPIRED = "expired"
    REMOVED = "removed"


class WatchlistEntry(DomainModel):
    id: int | None = None
    symbol: str
    status: WatchlistStatus = WatchlistStatus.ACTIVE
    priority: int = 0
    target_entry: Decimal | None = Field(default=None, gt=0)
    stop_loss: Decimal | None = Field(default=None, gt=0)
    take_profit: Decimal | None = Field(default=None, gt=0)
    notes: str = ""
    expires_at: datetime | None = None
    created_at: datetime
    updated_at: datetime


class AlertStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class AlertRecord(DomainModel):
    """An alert as stored: open until acknowledged, kept until resolved."""

    id: int
    severity: EventSeverity
    title: str
    source: str
    message: str
    dedupe_key: str
    """Repeats of an unresolved alert with this key count as occurrences of the same row."""
    context: dict[str, str] = Field(default_factory=dict)
    thread_id: str | None = None
    status: AlertStatus = AlertStatus.OPEN
    occurrences: int = 1
    created_at: datetime
    last_seen_at: datetime
    deliveries: dict[str, str] = Field(default_factory=dict)
    """Sink name -> ``sent``, ``failed: <why>`` or ``suppressed: <why>`` for the last occurrence."""
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    resolved_at: datetime | None = None
    resolved_by: str | None = None


class PerformanceSnapshot(DomainModel):
    as_of: datetime
    equity: Decimal
    cash: Decimal
    gross_exposure: Decimal
    net_exposure: Decimal
    realized_pnl: Decimal = Decimal(0)
    drawdown_pct: float = 0.0
