"""Byte caches with per-entry TTLs: in-process (embedded default) and Redis (REDIS_URL).

``RedisCache`` lives in ``tools.cache.redis_store`` and is not imported here, so the embedded
default never pays for importing the redis client.
"""

from __future__ import annotations

from tools.cache.keys import cache_key
from tools.cache.memory import InProcessCache
from tools.cache.store import CacheStore, CacheUnavailableError

__all__ = ["CacheStore", "CacheUnavailableError", "InProcessCache", "cache_key"]
