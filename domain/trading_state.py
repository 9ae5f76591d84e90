"""The operator-facing trading state: the kill switch lives here and survives restarts."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from domain._base import DomainModel

__all__ = ["TradingStateRecord", "TradingStatus"]


class TradingStatus(StrEnum):
    ACTIVE = "active"
    REDUCING = "reducing"
    """Only risk-reducing exits are allowed."""
    HALTED = "halted"
    """Emergency stop: no entries; exits only through the gate's exit path."""


class TradingStateRecord(DomainModel):
    status: TradingStatus = TradingStatus.ACTIVE
    reason: str = ""
    changed_at: datetime | None = None
