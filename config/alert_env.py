"""The older ``HEDGEGRAPH_ALERT_*`` names for the ``alerts`` section, still read.

Why kept: operators already have ``HEDGEGRAPH_ALERT_SMTP_HOST`` in their environment; the section's
own names (``ALERTS__SMTP_HOST``) win when both are set.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from config.alerts import AlertSettings

__all__ = ["ALERT_ENV_PREFIX", "LegacyAlertEnvSource", "alert_env_names", "alerts_from_env"]

ALERT_ENV_PREFIX = "HEDGEGRAPH_ALERT_"


def alert_env_names() -> list[str]:
    """``HEDGEGRAPH_ALERT_SMTP_HOST`` ... one per field of the alerts section."""
    return [f"{ALERT_ENV_PREFIX}{name.upper()}" for name in AlertSettings.model_fields]


def alerts_from_env(environ: Mapping[str, str]) -> dict[str, Any]:
    """The alerts section's raw values found under the older names (case-insensitive)."""
    upper = {name.upper(): value for name, value in environ.items()}
    return {
        field: upper[f"{ALERT_ENV_PREFIX}{field.upper()}"]
        for field in AlertSettings.model_fields
        if f"{ALERT_ENV_PREFIX}{field.upper()}" in upper
    }


class LegacyAlertEnvSource(PydanticBaseSettingsSource):
    """Settings source: ``{"alerts": {...}}`` from the older names in the environment and .env."""

    def __init__(self, settings_cls: type[BaseSettings], *environs: Mapping[str, str]) -> None:
        super().__init__(settings_cls)
        merged: dict[str, Any] = {}
        for environ in reversed(environs):  # the first mapping wins
            merged.update(alerts_from_env(environ))
        self._alerts = merged

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return (self._alerts or None) if field_name == "alerts" else None, field_name, False

    def __call__(self) -> dict[str, Any]:
        return {"alerts": dict(self._alerts)} if self._alerts else {}
