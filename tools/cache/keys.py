"""Cache keys that never collide: readable prefix, escaped parts, hashed canonical parameters.

Why this shape: two requests may only share an entry if every parameter that shapes the answer is
equal. Each readable part is percent-escaped (so a ``:`` inside a ticker cannot forge another
key's layout) and the parameters are hashed from canonical JSON (sorted keys, fixed separators,
ISO dates), so ``{"limit": 5, "as_of": ...}`` and the same mapping in another order agree while
any change in value gives a different key.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

__all__ = ["KEY_VERSION", "cache_key", "canonical_params"]

KEY_VERSION = "v1"
"""Bumped when the cached value format changes, so old entries are never misread."""


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime in cache parameters")
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return sorted(value) if isinstance(value, set | frozenset) else list(value)
    raise TypeError(f"cannot use {type(value).__name__} in a cache key")


def canonical_params(params: Mapping[str, Any]) -> str:
    """Canonical JSON of ``params`` (the exact text that is hashed)."""
    return json.dumps(params, sort_keys=True, separators=(",", ":"), default=_default)


def cache_key(
    namespace: str, source: str, kind: str, subject: str, params: Mapping[str, Any]
) -> str:
    """``namespace:v1:source:kind:subject:sha256(params)`` with every part escaped."""
    digest = hashlib.sha256(canonical_params(params).encode()).hexdigest()
    parts = (namespace, KEY_VERSION, source, kind, subject)
    return ":".join(quote(p, safe="") for p in parts) + ":" + digest
