"""E-mail alerts over SMTP, with recipients chosen by severity.

Why severity routing: the on-call phone should ring for an emergency stop, not for every warning;
the team list gets everything from its threshold up.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping, Sequence
from email.message import EmailMessage

from domain import EventSeverity
from tools.alerts.model import Alert, AlertSinkError

__all__ = ["SmtpSink", "recipients_for"]

_ORDER = [EventSeverity.INFO, EventSeverity.WARNING, EventSeverity.ERROR, EventSeverity.CRITICAL]


def recipients_for(
    severity: EventSeverity, routes: Mapping[EventSeverity, Sequence[str]]
) -> list[str]:
    """Everyone routed at ``severity`` or any lower level (a critical alert reaches them all)."""
    rank = _ORDER.index(severity)
    out: list[str] = []
    for level in _ORDER[: rank + 1]:
        out.extend(r for r in routes.get(level, ()) if r not in out)
    return out


class SmtpSink:
    name = "smtp"

    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        routes: Mapping[EventSeverity, Sequence[str]],
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        timeout_seconds: float = 10.0,
    ) -> None:
        self._host = host
        self._port = port
        self._sender = sender
        self._routes = routes
        self._username = username
        self._password = password
        self._starttls = starttls
        self._timeout = timeout_seconds

    def deliver(self, alert: Alert) -> None:
        recipients = recipients_for(alert.severity, self._routes)
        if not recipients:
            return
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = ", ".join(recipients)
        message["Subject"] = f"[hedgegraph {alert.severity.value.upper()}] {alert.title}"
        lines = [alert.message, "", f"at: {alert.at.isoformat()}"]
        lines += [f"{k}: {v}" for k, v in sorted(alert.context.items())]
        message.set_content("\n".join(lines))
        try:
            with smtplib.SMTP(self._host, self._port, timeout=self._timeout) as smtp:
                if self._starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self._username and self._password:
                    smtp.login(self._username, self._password)
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise AlertSinkError(f"smtp {self._host}:{self._port}: {exc}") from exc
