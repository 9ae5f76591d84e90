"""Build the alert dispatcher from the environment (no sinks configured: alerts are only logged).

Names: HEDGEGRAPH_ALERT_SMTP_HOST, _SMTP_PORT (25), _SMTP_FROM, _SMTP_USER, _SMTP_PASSWORD,
_SMTP_STARTTLS (true/false); HEDGEGRAPH_ALERT_EMAIL_INFO / _WARNING / _ERROR / _CRITICAL
(comma-separated recipients, routed by severity); HEDGEGRAPH_ALERT_WEBHOOKS (comma-separated
URLs; discord.com URLs get Discord payloads, others Slack's).
"""

from __future__ import annotations

from collections.abc import Mapping

from domain import EventSeverity
from tools.alerts.dispatcher import AlertDispatcher
from tools.alerts.model import AlertSink
from tools.alerts.smtp import SmtpSink
from tools.alerts.webhook import WebhookSink
from tools.clock import Clock

__all__ = ["AlertConfigError", "dispatcher_from_env"]

_P = "HEDGEGRAPH_ALERT_"


class AlertConfigError(ValueError):
    """An alert setting is malformed; the message names it."""


def _list(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def dispatcher_from_env(environ: Mapping[str, str], *, clock: Clock) -> AlertDispatcher:
    sinks: list[AlertSink] = []
    host = environ.get(f"{_P}SMTP_HOST")
    if host:
        sender = environ.get(f"{_P}SMTP_FROM")
        if not sender:
            raise AlertConfigError(f"{_P}SMTP_FROM: required when {_P}SMTP_HOST is set")
        try:
            port = int(environ.get(f"{_P}SMTP_PORT", "25"))
        except ValueError:
            raise AlertConfigError(f"{_P}SMTP_PORT: not a port number") from None
        routes = {
            sev: _list(environ.get(f"{_P}EMAIL_{sev.value.upper()}")) for sev in EventSeverity
        }
        if not any(routes.values()):
            raise AlertConfigError(f"{_P}EMAIL_<SEVERITY>: no recipients for {_P}SMTP_HOST")
        sinks.append(
            SmtpSink(
                host=host,
                port=port,
                sender=sender,
                routes=routes,
                username=environ.get(f"{_P}SMTP_USER"),
                password=environ.get(f"{_P}SMTP_PASSWORD"),
                starttls=environ.get(f"{_P}SMTP_STARTTLS", "false").lower() == "true",
            )
        )
    for url in _list(environ.get(f"{_P}WEBHOOKS")):
        sinks.append(WebhookSink(url, style="discord" if "discord.com" in url else "slack"))
    return AlertDispatcher(sinks, clock=clock)
