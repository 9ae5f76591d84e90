"""Multi-channel alerts through apprise: Telegram, Discord, Slack, Pushover, e-mail and more,
behind one list of URLs (``ALERTS__APPRISE_URLS``).

Why apprise: it is a well-kept library that already speaks some hundred notification services;
operators name their channels as URLs and we never write another per-service client. Severity
routing: alerts below ``apprise_min_severity`` are not sent here (they are still stored and
logged by the dispatcher). The URLs hold tokens, so errors name the sink, never a URL.
"""

from __future__ import annotations

from collections.abc import Sequence

from domain import EventSeverity
from tools.alerts.model import Alert, AlertSinkError

__all__ = ["AppriseSink"]

_RANK = {
    EventSeverity.INFO: 0,
    EventSeverity.WARNING: 1,
    EventSeverity.ERROR: 2,
    EventSeverity.CRITICAL: 3,
}
_APPRISE_TYPE = {
    EventSeverity.INFO: "info",
    EventSeverity.WARNING: "warning",
    EventSeverity.ERROR: "failure",
    EventSeverity.CRITICAL: "failure",
}


class AppriseSink:
    def __init__(
        self, urls: Sequence[str], *, min_severity: EventSeverity = EventSeverity.WARNING
    ) -> None:
        import apprise

        self.name = "apprise"
        self._min = _RANK[min_severity]
        self._apprise = apprise.Apprise()
        for position, url in enumerate(urls, start=1):
            if not self._apprise.add(url):
                # the URL carries its service's token: say which entry, not what it holds
                raise ValueError(
                    f"alerts.apprise_urls: entry {position} is not a URL apprise knows"
                )

    def deliver(self, alert: Alert) -> None:
        if _RANK[alert.severity] < self._min:
            return
        ok = self._apprise.notify(
            title=f"[{alert.severity.value.upper()}] {alert.title}",
            body=alert.message,
            notify_type=_APPRISE_TYPE[alert.severity],
        )
        if not ok:
            raise AlertSinkError("apprise: at least one channel did not accept the alert")
