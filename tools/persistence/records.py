"""Typed records the store returns for things the graph's domain model does not cover."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import Field

from domain import GateOutcome, ReasonCode, TradeAction
from domain._base import DomainModel

__all__ = [
    "Alert",
    "AlertStatus",
    "DecisionAuditRecord",
    "PerformanceSnapshot",
    "RiskBaseline",
    "RunStatus",
    "WatchlistEntry",
    "WatchlistStatus",
]


class RunStatus(StrEnum):
    RUNNING = "running"
    INTERRUPTED = "interrupted"
    """Waiting for a human approval."""
    COMPLETED = "completed"
    FAILED = "failed"


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


class Alert(DomainModel):
    id: int | None = None
    severity: str
    source: str
    message: str
    context: dict[str, str] = Field(default_factory=dict)
    thread_id: str | None = None
    status: AlertStatus = AlertStatus.OPEN
    created_at: datetime
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
