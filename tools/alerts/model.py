"""What an alert is and what a sink must do with it."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from pydantic import Field

from domain import EventSeverity
from domain._base import DomainModel

__all__ = ["Alert", "AlertSink", "AlertSinkError"]


class AlertSinkError(Exception):
    """A sink could not deliver; the dispatcher records it and carries on."""


class Alert(DomainModel):
    severity: EventSeverity
    title: str
    message: str
    at: datetime
    key: str = ""
    """De-duplication key: the same key within the window is sent once (default: the title)."""
    context: dict[str, str] = Field(default_factory=dict)

    @property
    def dedupe_key(self) -> str:
        return self.key or f"{self.severity.value}:{self.title}"


class AlertSink(Protocol):
    name: str

    def deliver(self, alert: Alert) -> None:
        """Send the alert or raise ``AlertSinkError``."""
        ...
