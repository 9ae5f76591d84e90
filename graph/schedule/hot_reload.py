"""Config hot reload: a changed YAML file is validated and applied at the next job, or refused.

Why "at the next job": a job runs on one settings object from start to end, so no cycle ever
sees half an old and half a new configuration. Why refuse and keep: an operator editing the file
over a long weekend must not turn the scheduler off with a typo; the invalid file is rejected
with an alert that names the key, and the previous settings stay in force. Every applied change
is written to ``config_changes`` with the keys that changed, before and after (secrets masked).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from config.errors import ConfigError
from config.settings import CONFIG_DIR_VARIABLE, Settings
from config.yaml_files import RISK_FILE, TRADING_FILE
from domain import EventSeverity
from tools.alerts.dispatcher import AlertDispatcher
from tools.alerts.model import Alert
from tools.persistence.schedule_records import ConfigChangeStore
from tools.persistence.sql_ledger import SqlLedger

__all__ = ["ConfigWatcher", "settings_diff"]

log = logging.getLogger(__name__)


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(_flatten(item, f"{prefix}{key}."))
        return out
    return {prefix.rstrip("."): value}


def settings_diff(old: Settings, new: Settings) -> dict[str, dict[str, Any]]:
    """``{dotted.key: {"old": ..., "new": ...}}`` for every key that changed (secrets masked)."""
    before = _flatten(old.model_dump(mode="json"))
    after = _flatten(new.model_dump(mode="json"))
    return {
        key: {"old": before.get(key), "new": after.get(key)}
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


class ConfigWatcher:
    """Holds the settings in force; ``refresh`` re-reads them when a YAML file changed.

    Args:
        settings: the settings in force now.
        loader: builds fresh settings (``load_settings``); raises ``ConfigError`` on bad input.
        config_dir: the operator's HEDGEGRAPH_CONFIG_DIR (``None``: only packaged files, which
            an installation does not edit, so nothing is watched).
    """

    def __init__(
        self, settings: Settings, *, loader: Callable[[], Settings], config_dir: Path | None
    ) -> None:
        self.settings = settings
        self._loader = loader
        self._files = [config_dir / TRADING_FILE, config_dir / RISK_FILE] if config_dir else []
        self._fingerprint = self._read_fingerprint()

    @classmethod
    def for_environment(
        cls, settings: Settings, *, loader: Callable[[], Settings], environ: dict[str, str]
    ) -> ConfigWatcher:
        chosen = environ.get(CONFIG_DIR_VARIABLE)
        return cls(settings, loader=loader, config_dir=Path(chosen) if chosen else None)

    def _read_fingerprint(self) -> str:
        digest = hashlib.sha256()
        for path in self._files:
            digest.update(str(path).encode())
            try:
                digest.update(path.read_bytes())
            except FileNotFoundError:
                digest.update(b"<absent>")
        return digest.hexdigest()

    def refresh(self, *, now: datetime, ledger: SqlLedger, alerts: AlertDispatcher) -> Settings:
        """The settings the next job runs on: new if the files changed and validate, else old."""
        fingerprint = self._read_fingerprint()
        if fingerprint == self._fingerprint:
            return self.settings
        self._fingerprint = fingerprint  # a rejected file is reported once, not at every job
        try:
            fresh = self._loader()
        except ConfigError as exc:
            log.error("config reload rejected, previous settings stay in force: %s", exc)
            alerts.send(
                Alert(
                    severity=EventSeverity.ERROR,
                    title="config reload rejected",
                    message=f"the changed configuration is invalid and was not applied; the "
                    f"previous settings stay in force:\n{exc}",
                    at=now,
                    key=f"config-reload-rejected:{fingerprint[:16]}",
                    source="scheduler",
                )
            )
            return self.settings
        diff = settings_diff(self.settings, fresh)
        if diff:
            source = ", ".join(str(p) for p in self._files)
            ConfigChangeStore(ledger.store).record(at=now, source=source, diff=diff)
            log.info("config reloaded: %s", ", ".join(diff))
            alerts.send(
                Alert(
                    severity=EventSeverity.INFO,
                    title="config reloaded",
                    message="applied at the next job: " + ", ".join(diff),
                    at=now,
                    key=f"config-reloaded:{fingerprint[:16]}",
                    source="scheduler",
                )
            )
        self.settings = fresh
        return fresh
