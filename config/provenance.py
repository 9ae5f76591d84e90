"""Where a setting came from, for error messages: arguments, a variable, .env or a YAML file.

Why: "risk.max_position_pct: must be <= 1" is only half an answer when the value could sit in the
shell, in ``.env``, in an override file or in the packaged defaults.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from config.alert_env import ALERT_ENV_PREFIX
from config.errors import ConfigError
from config.yaml_files import OVERRIDE_FILES, PACKAGED_DIR, RISK_FILE, read_yaml

__all__ = ["Provenance"]


def _has_path(data: Mapping[str, Any], parts: list[str]) -> bool:
    current: Any = data
    for part in parts:
        if not isinstance(current, Mapping) or part not in current:
            return False
        current = current[part]
    return True


class Provenance:
    """Answers ``origin_of("risk.max_position_pct")`` for one load's inputs."""

    def __init__(
        self,
        overrides: Mapping[str, Any],
        environ: Mapping[str, str],
        dotenv: tuple[Path | None, Mapping[str, str]],
        yaml_files: list[tuple[Path, str, dict[str, Any]]],
    ) -> None:
        self._overrides = overrides
        self._environ = {name.upper() for name in environ}
        self._dotenv_path, dotenv_values = dotenv
        self._dotenv = {name.upper() for name in dotenv_values}
        self._yaml = yaml_files

    @classmethod
    def capture(cls, overrides: Mapping[str, Any], *, model: type[BaseModel]) -> Provenance:
        """Read the same inputs the failed load read (they are re-read only after a failure)."""
        from config.env_files import env_file_path, read_env_file
        from config.settings import config_dir_from

        try:
            path = env_file_path()
            dotenv = read_env_file(path)
            yaml_files = []
            directories = [PACKAGED_DIR, config_dir_from(dotenv)]
            for directory in (d for d in directories if d is not None):
                for name in OVERRIDE_FILES:
                    file = directory / name
                    if file.is_file():
                        prefix = "risk." if name == RISK_FILE else ""
                        yaml_files.append((file, prefix, read_yaml(file)))
        except ConfigError:
            path, dotenv, yaml_files = None, {}, []
        return cls(overrides, os.environ, (path, dotenv), yaml_files)

    def _env_names(self, parts: list[str]) -> list[str]:
        names = ["__".join(parts).upper()]
        if parts[0] == "alerts" and len(parts) == 2:
            names.append(f"{ALERT_ENV_PREFIX}{parts[1].upper()}")
        return names

    def __call__(self, dotted: str) -> str:
        parts = dotted.split(".")
        if parts[0] in self._overrides:
            return "arguments"
        for length in range(len(parts), 0, -1):
            names = self._env_names(parts[:length])
            if found := next((n for n in names if n in self._environ), None):
                return f"environment variable {found}"
            if any(n in self._dotenv for n in names):
                return str(self._dotenv_path)
        for file, prefix, data in reversed(self._yaml):
            local = dotted.removeprefix(prefix).split(".") if dotted.startswith(prefix) else None
            for length in range(len(local or []), 0, -1):
                if local and _has_path(data, local[:length]):
                    return str(file)
        return "defaults"
