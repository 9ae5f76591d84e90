"""Build the alert dispatcher from Settings' ``alerts`` section (no sinks: alerts are only logged).

The section (config/alerts.py) is read from ``ALERTS__SMTP_HOST`` ... or the older
``HEDGEGRAPH_ALERT_SMTP_HOST`` names; recipients are routed by severity; discord.com webhook URLs
get Discord payloads, others Slack's.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import ValidationError

from config.alert_env import ALERT_ENV_PREFIX, alerts_from_env
from config.alerts import AlertSettings
from config.settings import Settings
from domain import EventSeverity
from tools.alerts.dispatcher import AlertDispatcher
from tools.alerts.model import AlertJournal, AlertSink
from tools.alerts.smtp import SmtpSink
from tools.clock import Clock

__all__ = [
    "AlertConfigError",
    "dispatcher_from_alert_settings",
    "dispatcher_from_env",
    "dispatcher_from_settings",
]


class AlertConfigError(ValueError):
    """An alert setting is malformed; the message names it."""


def dispatcher_from_alert_settings(
    alerts: AlertSettings, *, clock: Clock, journal: AlertJournal | None = None
) -> AlertDispatcher:
    """One SMTP sink when a host is set, one webhook sink per URL; ``journal`` stores each alert."""
    sinks: list[AlertSink] = []
    if alerts.smtp_host and alerts.smtp_from:
        password = alerts.smtp_password.get_secret_value() if alerts.smtp_password else None
        sinks.append(
            SmtpSink(
                host=alerts.smtp_host,
                port=alerts.smtp_port,
                sender=alerts.smtp_from,
                routes={
                    EventSeverity(severity): to
                    for severity, to in alerts.recipients_by_severity.items()
                },
                username=alerts.smtp_user,
                password=password,
                starttls=alerts.smtp_starttls,
            )
        )
    if alerts.webhooks:  # httpx costs ~0.1 s to import; only a configured webhook needs it
        from tools.alerts.webhook import WebhookSink

        for url in alerts.webhooks:
            sinks.append(WebhookSink(url, style="discord" if "discord.com" in url else "slack"))
    if alerts.apprise_urls:  # apprise is the notify extra; only configured URLs need it
        try:
            from tools.alerts.apprise_sink import AppriseSink
        except ImportError:
            raise AlertConfigError(
                "alerts.apprise_urls: needs the notify extra (pip install 'hedgegraph[notify]')"
            ) from None
        try:
            sinks.append(
                AppriseSink(
                    alerts.apprise_urls, min_severity=EventSeverity(alerts.apprise_min_severity)
                )
            )
        except ValueError as exc:
            raise AlertConfigError(str(exc)) from None
    return AlertDispatcher(sinks, clock=clock, journal=journal)


def dispatcher_from_settings(
    settings: Settings, *, clock: Clock, journal: AlertJournal | None = None
) -> AlertDispatcher:
    """The dispatcher for ``settings.alerts`` (validated when the settings were loaded)."""
    return dispatcher_from_alert_settings(settings.alerts, clock=clock, journal=journal)


def dispatcher_from_env(
    environ: Mapping[str, str], *, clock: Clock, journal: AlertJournal | None = None
) -> AlertDispatcher:
    """Thin wrapper for callers not yet on Settings: ``HEDGEGRAPH_ALERT_*`` from ``environ``."""
    try:
        alerts = AlertSettings(**alerts_from_env(environ))
    except ValidationError as exc:
        first = exc.errors()[0]
        message = str(first["msg"]).removeprefix("Value error, ")
        if first["loc"]:
            key = str(first["loc"][0])
        else:  # a rule across fields: its message starts with the field it blames
            key, _, message = message.partition(": ")
        raise AlertConfigError(f"{ALERT_ENV_PREFIX}{key.upper()}: {message}") from None
    return dispatcher_from_alert_settings(alerts, clock=clock, journal=journal)
