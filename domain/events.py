"""Run events: tolerated failures and notable facts recorded where an operator will see them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from domain._base import DomainModel

__all__ = ["EventSeverity", "RunEvent"]


class EventSeverity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"
    CRITICAL = "critical"


class RunEvent(DomainModel):
    node: str
    severity: EventSeverity
    message: str
    at: datetime
    ticker: str | None = None
    context: dict[str, str] = Field(default_factory=dict)
