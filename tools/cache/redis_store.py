"""Redis-backed cache (REDIS_URL): shared by every process, expiry enforced by the server."""

from __future__ import annotations

import math

import redis

from tools.cache.store import CacheUnavailableError

__all__ = ["RedisCache"]


class RedisCache:
    """Bytes in Redis with ``PX`` expiry; failures become ``CacheUnavailableError``.

    Args:
        client_or_url: A ``redis.Redis`` client or a ``redis://`` URL.
        timeout: Socket timeout in seconds, so a hung Redis never stalls a trading cycle.
    """

    name = "redis"

    def __init__(self, client_or_url: redis.Redis | str, *, timeout: float = 2.0) -> None:
        if isinstance(client_or_url, str):
            self._redis = redis.Redis.from_url(
                client_or_url, socket_timeout=timeout, socket_connect_timeout=timeout
            )
        else:
            self._redis = client_or_url

    def get(self, key: str) -> bytes | None:
        try:
            value = self._redis.get(key)
        except redis.RedisError as exc:
            raise CacheUnavailableError(f"redis GET failed: {exc}") from exc
        if value is None or isinstance(value, bytes):
            return value
        # A client built with decode_responses=True hands back text; store bytes regardless.
        return str(value).encode()

    def set(self, key: str, value: bytes, *, ttl_seconds: float) -> None:
        if ttl_seconds <= 0:
            raise ValueError("ttl_seconds must be positive")
        try:
            self._redis.set(key, value, px=max(1, math.ceil(ttl_seconds * 1000)))
        except redis.RedisError as exc:
            raise CacheUnavailableError(f"redis SET failed: {exc}") from exc

    def ttl_ms(self, key: str) -> int:
        """Remaining time to live of ``key`` in milliseconds (-2 absent, -1 no expiry)."""
        return int(self._redis.pttl(key))

    def close(self) -> None:
        self._redis.close()
