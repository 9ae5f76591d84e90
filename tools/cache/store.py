"""The cache interface: bytes in, bytes out, every entry with a TTL.

Why bytes: the callers serialise typed models with pydantic (``TypeAdapter.dump_json``) and parse
them back with validation, so a cache never hands out an unvalidated object, and the same entry
works in-process and in Redis.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

__all__ = ["CacheStore", "CacheUnavailableError"]


class CacheUnavailableError(Exception):
    """The cache backend failed (e.g. Redis down); callers fall back to the source and record it."""


@runtime_checkable
class CacheStore(Protocol):
    name: str

    def get(self, key: str) -> bytes | None:
        """The stored value, or ``None`` when absent or expired."""
        ...

    def set(self, key: str, value: bytes, *, ttl_seconds: float) -> None:
        """Store ``value`` under ``key`` for ``ttl_seconds`` (must be positive)."""
        ...
