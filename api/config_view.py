"""The effective configuration, one key per line with where its value came from, secrets masked.

Why: "which limit is this process really using, and who set it?" is the first question when a
trade surprises. Sources come from ``config.provenance`` (arguments, an environment variable,
the .env file, an override YAML file, or the defaults). Secret strings print as ``***`` and a
password inside a URL is masked too, so the output is safe to paste into a ticket.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, SecretStr

from api.startup_errors import mask_secrets

if TYPE_CHECKING:
    from config.settings import Settings

__all__ = ["ConfigEntry", "effective_config"]

MASK = "***"


class ConfigEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    key: str
    value: Any
    """JSON-ready value; secrets are ``"***"`` when set, ``None`` when not."""
    source: str


def _flatten(prefix: str, value: Any, out: dict[str, Any]) -> None:
    """``risk.max_position_pct`` -> value, for every leaf of the settings tree."""
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            _flatten(f"{prefix}.{name}" if prefix else name, getattr(value, name), out)
    else:
        out[prefix] = value


def _shown(value: Any) -> Any:
    if isinstance(value, SecretStr):
        return MASK
    if isinstance(value, str):
        return mask_secrets(value)
    try:
        return json.loads(json.dumps(value, default=str))
    except (TypeError, ValueError):  # pragma: no cover - every settings value is JSON-able
        return str(value)


def _leaves(settings: Settings) -> dict[str, Any]:
    out: dict[str, Any] = {}
    _flatten("", settings, out)
    return out


def effective_config(settings: Settings) -> list[ConfigEntry]:
    """Every key of ``settings`` with its (masked) value and its source, sorted by key."""
    try:
        from config.provenance import Provenance

        origin = Provenance.capture({}, model=type(settings))
    except ImportError:  # pragma: no cover - provenance ships with config
        origin = None
    entries = []
    for key, value in sorted(_leaves(settings).items()):
        entries.append(
            ConfigEntry(
                key=key,
                value=_shown(value),
                source=origin(key) if origin is not None else "unknown",
            )
        )
    return entries
