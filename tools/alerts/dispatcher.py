"""Fan an alert out to every sink, once per key per window, within a rate limit.

Why here and not in each sink: a flapping condition (a data feed that drops every minute) must not
page the operator sixty times an hour, and a dead mail server must never stop the emergency stop
that raised the alert. Every delivery failure is logged and returned, never raised.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from domain import EventSeverity
from tools.alerts.model import Alert, AlertSink, AlertSinkError
from tools.clock import Clock

__all__ = ["AlertDispatcher", "DispatchReport"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DispatchReport:
    alert: Alert
    sent_to: tuple[str, ...] = ()
    failed: dict[str, str] = field(default_factory=dict)
    suppressed: str | None = None
    """``duplicate`` or ``rate_limited`` when nothing was sent."""


class AlertDispatcher:
    def __init__(
        self,
        sinks: Sequence[AlertSink],
        *,
        clock: Clock,
        dedupe_seconds: int = 900,
        max_per_minute: int = 10,
    ) -> None:
        self._sinks = list(sinks)
        self._clock = clock
        self._dedupe = timedelta(seconds=dedupe_seconds)
        self._max_per_minute = max_per_minute
        self._last_sent: dict[str, datetime] = {}
        self._sent_times: deque[datetime] = deque()
        self._lock = threading.Lock()

    def send(self, alert: Alert) -> DispatchReport:
        suppressed = self._admit(alert)
        if suppressed is not None:
            log.info("alert %s suppressed (%s)", alert.dedupe_key, suppressed)
            return DispatchReport(alert, suppressed=suppressed)
        sent: list[str] = []
        failed: dict[str, str] = {}
        for sink in self._sinks:
            try:
                sink.deliver(alert)
                sent.append(sink.name)
            except AlertSinkError as exc:
                failed[sink.name] = str(exc)
                log.error("alert sink %s failed for %s: %s", sink.name, alert.dedupe_key, exc)
            except Exception as exc:  # a sink bug must not block trading either
                failed[sink.name] = f"{type(exc).__name__}: {exc}"
                log.exception("alert sink %s crashed for %s", sink.name, alert.dedupe_key)
        return DispatchReport(alert, sent_to=tuple(sent), failed=failed)

    def _admit(self, alert: Alert) -> str | None:
        now = self._clock.now()
        with self._lock:
            last = self._last_sent.get(alert.dedupe_key)
            if last is not None and now - last < self._dedupe:
                return "duplicate"
            while self._sent_times and now - self._sent_times[0] >= timedelta(minutes=1):
                self._sent_times.popleft()
            critical = alert.severity is EventSeverity.CRITICAL
            if len(self._sent_times) >= self._max_per_minute and not critical:
                return "rate_limited"
            self._last_sent[alert.dedupe_key] = now
            self._sent_times.append(now)
            return None
