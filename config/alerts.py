"""Where alerts go: SMTP recipients per severity and chat webhooks (the ``alerts`` section).

Environment names are ``ALERTS__SMTP_HOST`` and so on, like every section; the older
``HEDGEGRAPH_ALERT_SMTP_HOST`` spellings are still read (config/alert_env.py). No sink configured
is valid: alerts are then stored and logged only.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, model_validator

from config.sections import Section
from config.values import StringList

__all__ = ["AlertSettings"]


class AlertSettings(Section):
    """Alert sinks; the dispatcher is built from this by tools/alerts/factory.py."""

    smtp_host: str | None = None
    """SMTP server; setting it turns e-mail alerts on."""
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_from: str | None = None
    """Sender address; required with smtp_host."""
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    email_info: StringList = Field(default_factory=list)
    """Recipients of info alerts (comma list)."""
    email_warning: StringList = Field(default_factory=list)
    email_error: StringList = Field(default_factory=list)
    email_critical: StringList = Field(default_factory=list)
    webhooks: StringList = Field(default_factory=list)
    """Webhook URLs; discord.com URLs get Discord payloads, others Slack's."""
    apprise_urls: StringList = Field(default_factory=list)
    """apprise URLs (tgram://, discord://, slack://, pover://, mailto://...; comma list)."""
    apprise_min_severity: Literal["info", "warning", "error", "critical"] = "warning"
    """Alerts below this are not sent to the apprise URLs (info: every cycle summary too)."""

    @model_validator(mode="after")
    def _smtp_is_complete(self) -> AlertSettings:
        if not self.smtp_host:
            return self
        if not self.smtp_from:
            raise ValueError("smtp_from: required when alerts.smtp_host is set")
        if not self.recipients_by_severity:
            raise ValueError(
                "email_critical: alerts.smtp_host is set but no email_<severity> has recipients"
            )
        return self

    @property
    def recipients_by_severity(self) -> dict[str, list[str]]:
        """Severity name -> recipients, only severities that have any."""
        routes = {
            "info": self.email_info,
            "warning": self.email_warning,
            "error": self.email_error,
            "critical": self.email_critical,
        }
        return {severity: list(to) for severity, to in routes.items() if to}
