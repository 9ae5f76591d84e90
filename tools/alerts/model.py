"""What an alert is, what a sink must do with it, and where every alert is kept."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Protocol, runtime_checkable

from pydantic import Field

from domain import EventSeverity
from domain._base import DomainModel

__all__ = ["Alert", "AlertJournal", "AlertSink", "AlertSinkError"]


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
    source: str = ""
    """The part that raised it (``monitor``, ``emergency_stop``, ``reconcile``...)."""
    thread_id: str | None = None
    """The thread the alert is about, when there is one."""

    @property
    def dedupe_key(self) -> str:
        return self.key or f"{self.severity.value}:{self.title}"


class AlertSink(Protocol):
    name: str

    def deliver(self, alert: Alert) -> None:
        """Send the alert or raise ``AlertSinkError``."""
        ...


@runtime_checkable
class AlertJournal(Protocol):
    """Durable storage of alerts (invariant 8): what the operator acknowledges and resolves.

    Why a protocol here: the dispatcher must store every alert whatever sinks exist, but the
    table belongs to ``tools.persistence`` (``AlertStore`` implements this).
    """

    def record_alert(self, alert: Alert) -> int:
        """Store an occurrence of ``alert``; return the id of the row that holds it."""
        ...

    def record_delivery(self, alert_id: int, deliveries: Mapping[str, str]) -> None:
        """Note what each sink did with the latest occurrence (``sent``, ``failed: ...``)."""
        ...
