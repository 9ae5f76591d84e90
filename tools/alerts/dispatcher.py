"""Keep and log every alert, then fan it out to every sink, once per key per window, rate-limited.

Why storage and the log come first: an alert is the operator's record that something needed a
human (invariant 8), so it lands in the alerts table and in the log whether or not any sink is
configured, and whether or not a sink works. De-duplication and the rate limit exist to keep a
flapping condition (a data feed that drops every minute) from paging the operator sixty times an
hour; they apply to sinks only, never to storage. A dead mail server or a broken database must
never stop the emergency stop that raised the alert: every failure is logged and returned, never
raised.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from domain import EventSeverity
from tools.alerts.model import Alert, AlertJournal, AlertSink, AlertSinkError
from tools.clock import Clock
from tools.observability import report

__all__ = ["AlertDispatcher", "DispatchReport"]

log = logging.getLogger(__name__)

_LOG_LEVEL = {
    EventSeverity.INFO: logging.INFO,
    EventSeverity.WARNING: logging.WARNING,
    EventSeverity.ERROR: logging.ERROR,
    EventSeverity.CRITICAL: logging.CRITICAL,
}


@dataclass(frozen=True, slots=True)
class DispatchReport:
    alert: Alert
    sent_to: tuple[str, ...] = ()
    failed: dict[str, str] = field(default_factory=dict)
    suppressed: str | None = None
    """``duplicate`` or ``rate_limited`` when nothing was sent."""
    alert_id: int | None = None
    """The stored alert's id; ``None`` when there is no journal or storing it failed."""


class AlertDispatcher:
    def __init__(
        self,
        sinks: Sequence[AlertSink],
        *,
        clock: Clock,
        journal: AlertJournal | None = None,
        dedupe_seconds: int = 900,
        max_per_minute: int = 10,
    ) -> None:
        """``journal`` is where every alert is stored (the ledger's ``alerts``); give it always
        outside unit tests, or alerts live only in the log."""
        self._sinks = list(sinks)
        self._clock = clock
        self._journal = journal
        self._dedupe = timedelta(seconds=dedupe_seconds)
        self._max_per_minute = max_per_minute
        self._last_sent: dict[str, datetime] = {}
        self._sent_times: deque[datetime] = deque()
        self._lock = threading.Lock()

    @property
    def journal(self) -> AlertJournal | None:
        return self._journal

    def send(self, alert: Alert) -> DispatchReport:
        report.alert_raised(alert.severity.value)
        log.log(
            _LOG_LEVEL[alert.severity],
            "alert [%s] %s: %s (key=%s%s)",
            alert.severity.value,
            alert.title,
            alert.message,
            alert.dedupe_key,
            "".join(f", {k}={v}" for k, v in sorted(alert.context.items())),
        )
        alert_id = self._store(alert)
        suppressed = self._admit(alert)
        if suppressed is not None:
            log.info("alert %s held back from sinks (%s)", alert.dedupe_key, suppressed)
            self._note_delivery(
                alert_id, {s.name: f"suppressed: {suppressed}" for s in self._sinks}
            )
            return DispatchReport(alert, suppressed=suppressed, alert_id=alert_id)
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
        outcome = {name: "sent" for name in sent} | {n: f"failed: {w}" for n, w in failed.items()}
        self._note_delivery(alert_id, outcome)
        return DispatchReport(alert, sent_to=tuple(sent), failed=failed, alert_id=alert_id)

    def _store(self, alert: Alert) -> int | None:
        if self._journal is None:
            return None
        try:
            return self._journal.record_alert(alert)
        except Exception:  # the log line above still holds it; trading goes on
            log.exception("alert %s could not be stored", alert.dedupe_key)
            return None

    def _note_delivery(self, alert_id: int | None, outcome: dict[str, str]) -> None:
        if self._journal is None or alert_id is None or not outcome:
            return
        try:
            self._journal.record_delivery(alert_id, outcome)
        except Exception:
            log.exception("delivery of alert %s could not be stored", alert_id)

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
