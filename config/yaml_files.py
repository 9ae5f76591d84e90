"""The YAML layers: packaged defaults, then the same two files from ``HEDGEGRAPH_CONFIG_DIR``.

Why so strict about files: an override that is silently not read leaves the packaged (possibly
looser) limit in force. So a config folder that does not exist, a YAML file in it with a name we do
not read (``risk_parameter.yaml``), a duplicate key (YAML would keep the last one) and an unknown
key are all errors that name the file, with the nearest known name as a hint.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from config.errors import ConfigError, nearest, unknown_key_message

__all__ = ["OVERRIDE_FILES", "PACKAGED_DIR", "read_yaml", "yaml_layers"]

PACKAGED_DIR = Path(__file__).resolve().parent
TRADING_FILE = "trading_config.yaml"
RISK_FILE = "risk_parameters.yaml"
OVERRIDE_FILES = (TRADING_FILE, RISK_FILE)


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a mapping with the same key twice."""


def _mapping_without_duplicates(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    loader.flatten_mapping(node)
    return dict(loader.construct_pairs(node, deep=True))


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _mapping_without_duplicates,
)


def read_yaml(path: Path) -> dict[str, Any]:
    """A top-level mapping from ``path``; invalid YAML and duplicate keys name the file."""
    try:
        loaded = yaml.load(path.read_text(), Loader=_StrictLoader) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc.strerror}") from exc
    if not isinstance(loaded, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    return loaded


def _unknown_keys(
    data: dict[str, Any], model: type[BaseModel], prefix: str
) -> list[tuple[str, type[BaseModel]]]:
    """(dotted name, owning model) of each key in ``data`` that ``model`` does not know."""
    unknown: list[tuple[str, type[BaseModel]]] = []
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        field = model.model_fields.get(str(key))
        if field is None:
            unknown.append((dotted, model))
            continue
        section = field.annotation
        if isinstance(value, dict) and isinstance(section, type) and issubclass(section, BaseModel):
            unknown.extend(_unknown_keys(value, section, f"{dotted}."))
    return unknown


def _check_keys(data: dict[str, Any], model: type[BaseModel], path: Path, prefix: str) -> None:
    problems = [
        unknown_key_message(dotted, owner.model_fields, origin=str(path))
        for dotted, owner in _unknown_keys(data, model, prefix)
    ]
    if problems:
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(problems))


def _check_config_dir(config_dir: Path) -> None:
    if not config_dir.is_dir():
        raise ConfigError(
            f"HEDGEGRAPH_CONFIG_DIR: {config_dir} is not a folder; unset it or point it at a folder"
            f" holding {TRADING_FILE} and/or {RISK_FILE}"
        )
    stray = sorted(
        p.name
        for p in config_dir.iterdir()
        if p.suffix.lower() in (".yaml", ".yml") and p.name not in OVERRIDE_FILES
    )
    if stray:
        hints = []
        for name in stray:
            guess = nearest(name, OVERRIDE_FILES)
            hints.append(f"{name!r}" + (f" (did you mean {guess!r}?)" if guess else ""))
        raise ConfigError(
            f"HEDGEGRAPH_CONFIG_DIR: {config_dir} holds YAML files hedgegraph does not read: "
            f"{', '.join(hints)}; only {TRADING_FILE} and {RISK_FILE} are read"
        )


def _deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def yaml_layers(config_dir: Path | None, *, model: type[BaseModel]) -> dict[str, Any]:
    """Packaged YAML defaults under ``config_dir``'s files, each checked against ``model``."""
    if config_dir is not None:
        _check_config_dir(config_dir)
    data: dict[str, Any] = {}
    risk_model = model.model_fields["risk"].annotation
    assert isinstance(risk_model, type) and issubclass(risk_model, BaseModel)
    for directory in (PACKAGED_DIR, config_dir):
        if directory is None:
            continue
        trading, risk = directory / TRADING_FILE, directory / RISK_FILE
        if trading.exists():
            layer = read_yaml(trading)
            _check_keys(layer, model, trading, "")
            data = _deep_merge(data, layer)
        if risk.exists():
            layer = read_yaml(risk)
            _check_keys(layer, risk_model, risk, "risk.")
            data = _deep_merge(data, {"risk": layer})
    return data
