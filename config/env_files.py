"""Which ``.env`` file is read, and what happens to keys in it that are not hedgegraph's.

Why: users keep one ``.env`` for several tools, so another tool's ``ANTHROPIC_API_KEY`` is ignored
with a warning (its name only, never its value), while a near miss of one of our names
(``TRADNG_MODE``, ``APCA_API_KEY``) or anything under our prefixes is an error with a suggestion:
a misspelt setting silently not applied is how a limit or a mode goes wrong.

``HEDGEGRAPH_ENV_FILE`` (process environment only) chooses the file: unset reads ``.env`` in the
working directory; a path reads that file, which must exist; empty reads none (the test suite
sets it empty so a user's broker keys are never picked up).
"""

from __future__ import annotations

import difflib
import logging
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from dotenv import dotenv_values
from pydantic import BaseModel
from pydantic_settings import BaseSettings
from pydantic_settings.sources import DotEnvSettingsSource

from config.errors import ConfigError

__all__ = [
    "ENV_FILE_VARIABLE",
    "ScreenedDotEnvSource",
    "env_file_path",
    "known_env_names",
    "read_env_file",
]

ENV_FILE_VARIABLE = "HEDGEGRAPH_ENV_FILE"
_OUR_PREFIXES = ("HEDGEGRAPH_",)
_ERROR_CUTOFF = 0.85
_HINT_CUTOFF = 0.7
log = logging.getLogger("hedgegraph.config")


def env_file_path(environ: Mapping[str, str] | None = None) -> Path | None:
    """The dotenv file to read, or ``None`` for none; a named file that is missing is an error."""
    env = os.environ if environ is None else environ
    chosen = env.get(ENV_FILE_VARIABLE)
    if chosen is None:
        default = Path(".env")
        return default.resolve() if default.is_file() else None
    if not chosen.strip():
        return None
    path = Path(chosen).expanduser().resolve()
    if not path.is_file():
        raise ConfigError(f"{ENV_FILE_VARIABLE}: {path} is not a file; unset it or fix the path")
    return path


def read_env_file(path: Path | None) -> dict[str, str]:
    """Upper-cased names -> values of a dotenv file (empty for none)."""
    if path is None:
        return {}
    values = dotenv_values(path, encoding="utf-8")
    return {name.upper(): value for name, value in values.items() if value is not None}


def known_env_names(model: type[BaseModel], extra: Iterable[str] = ()) -> list[str]:
    """Every environment name ``model`` reads: ``TRADING_MODE``, ``RISK__MAX_POSITION_PCT``..."""
    names: list[str] = []
    for name, field in model.model_fields.items():
        section = field.annotation
        if isinstance(section, type) and issubclass(section, BaseModel):
            names.extend(f"{name}__{sub}".upper() for sub in section.model_fields)
        else:
            names.append(name.upper())
    return [*names, *extra]


def _sections(model: type[BaseModel]) -> tuple[str, ...]:
    return tuple(
        f"{name.upper()}__"
        for name, field in model.model_fields.items()
        if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel)
    )


def _closest(name: str, known: list[str], cutoff: float) -> str | None:
    found = difflib.get_close_matches(name, known, n=1, cutoff=cutoff)
    return found[0] if found else None


def screen_unknown(
    names: Iterable[str], model: type[BaseModel], *, origin: Path, aliases: Iterable[str] = ()
) -> None:
    """Warn about other tools' keys, raise on near misses of ours; values are never shown."""
    aliases = list(aliases)
    known = known_env_names(model, aliases)
    sections = _sections(model)
    errors, foreign = [], []
    for name in names:
        if name in known or name.startswith(sections) or name in _PROCESS_ONLY:
            continue  # section keys are checked field by field when the model validates
        guess = _closest(name, known, _ERROR_CUTOFF)
        if guess or name.startswith(_OUR_PREFIXES):
            hint = f" (did you mean {guess}?)" if guess else ""
            errors.append(f"{origin}: unknown key {name}{hint}")
        else:
            foreign.append(name)
    if errors:
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(errors))
    for name in foreign:
        guess = _closest(name, known, _HINT_CUTOFF)
        hint = f"; if you meant hedgegraph's {guess}, rename it" if guess else ""
        log.warning("%s: ignoring %s, not a hedgegraph setting%s", origin, name, hint)


_PROCESS_ONLY = ("HEDGEGRAPH_CONFIG_DIR",)
"""Read by the loader itself, before the model (``HEDGEGRAPH_ENV_FILE`` is not read from a file)."""


class ScreenedDotEnvSource(DotEnvSettingsSource):
    """The dotenv source, reading only hedgegraph's own keys and screening the rest."""

    def __init__(
        self, settings_cls: type[BaseSettings], env_file: Path | None, aliases: Iterable[str]
    ) -> None:
        super().__init__(settings_cls, env_file=env_file, dotenv_filtering="only_existing")
        self._path = env_file
        self._aliases = list(aliases)

    def __call__(self) -> dict[str, Any]:
        data = super().__call__()
        if self._path is not None:
            names = [name.upper() for name in self.env_vars]
            screen_unknown(names, self.settings_cls, origin=self._path, aliases=self._aliases)
        return data
