"""``ConfigError`` and the wording of every configuration complaint.

Why a module of its own: the message is the operator's only guide, so it names the key, where the
key came from and, for a typo, the nearest known key; and it never repeats a value that may be a
secret (a misspelt ``APCA_API_SECRET_KY`` still holds the secret).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from typing import Any

from pydantic import BaseModel, SecretStr, ValidationError

__all__ = ["ConfigError", "describe_validation_error", "nearest", "unknown_key_message"]


class ConfigError(Exception):
    """Configuration is malformed or unsafe; the message names every offending key."""


def nearest(name: str, known: Iterable[str]) -> str | None:
    """The closest known name, when one is close enough to be a likely typo."""
    matches = difflib.get_close_matches(name.lower(), [k.lower() for k in known], n=1, cutoff=0.7)
    if not matches:
        return None
    return next(k for k in known if k.lower() == matches[0])


def unknown_key_message(key: str, known: Iterable[str], *, origin: str) -> str:
    """``origin: unknown key 'x' (did you mean 'y'?)``, never with the key's value."""
    known = list(known)
    guess = nearest(key.rsplit(".", 1)[-1], known)
    hint = f" (did you mean {guess!r}?)" if guess else ""
    return f"{origin}: unknown key {key!r}{hint}"


_FRACTION_ERRORS = {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}
_SECRET_WORDS = ("key", "secret", "password", "token", "url", "confirmation", "user")


def _field_at(model: type[BaseModel], loc: tuple[Any, ...]) -> tuple[type[BaseModel], str] | None:
    """The (model, field name) a validation error location points at, if it is a known field."""
    current: type[BaseModel] = model
    for depth, part in enumerate(loc):
        field = current.model_fields.get(str(part))
        if field is None:
            return None
        if depth == len(loc) - 1:
            return current, str(part)
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            current = annotation
        else:
            return current, str(part)  # inside a list or dict: the field owns the error
    return None


def _may_show_value(owner: type[BaseModel], name: str) -> bool:
    annotation = str(owner.model_fields[name].annotation)
    if SecretStr.__name__ in annotation:
        return False
    return not any(word in name for word in _SECRET_WORDS)


def describe_validation_error(
    exc: ValidationError, model: type[BaseModel], *, origin_of: Callable[[str], str]
) -> str:
    """One line per problem: ``where: key: what is wrong``; values only for harmless keys."""
    lines = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        key = ".".join(str(part) for part in loc) or "settings"
        where = origin_of(key)
        if err["type"] == "extra_forbidden":
            parent = _field_at(model, loc[:-1]) if len(loc) > 1 else None
            known = _section_fields(parent[0], parent[1]) if parent else list(model.model_fields)
            lines.append(unknown_key_message(key, known, origin=where))
            continue
        message = str(err["msg"]).removeprefix("Value error, ")
        if not loc:
            lines.append(message)  # a combination rule; its message names the keys
            continue
        target = _field_at(model, loc)
        if target and target[1].endswith("_pct") and err["type"] in _FRACTION_ERRORS:
            message += " (a fraction: 0.05 means 5 %)"
        got = err.get("input")
        shown = ""
        if target and _may_show_value(*target) and isinstance(got, str | int | float | bool):
            shown = "" if repr(got) in message else f" (got {got!r})"
        prefix = "" if where in ("arguments", "defaults") else f"{where}: "
        lines.append(f"{prefix}{key}: {message}{shown}")
    return "invalid configuration:\n  " + "\n  ".join(lines)


def _section_fields(owner: type[BaseModel], name: str) -> list[str]:
    annotation = owner.model_fields[name].annotation
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return list(annotation.model_fields)
    return []
