"""The prompt cache: an identical (provider, model, prompt, schema) call is never paid twice.

Only answers that parsed and validated are stored; failures are never cached, so a transient
outage does not become a permanent "no signal". SQLite is the embedded default; Redis is used
when REDIS_URL is set so several workers share one cache.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import redis.asyncio as aioredis


__all__ = ["PromptCache", "RedisPromptCache", "SqlitePromptCache", "prompt_key"]


def prompt_key(
    *, provider: str, model: str, system: str, user: str, json_schema: dict[str, Any]
) -> str:
    """SHA-256 over the canonical JSON of everything that shapes the answer."""
    canonical = json.dumps(
        [provider, model, system, user, json_schema], sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


class PromptCache(Protocol):
    async def get(self, key: str) -> str | None: ...

    async def put(self, key: str, answer_json: str) -> None: ...


class SqlitePromptCache:
    """One table in a SQLite file; calls run in a worker thread so the event loop never blocks."""

    def __init__(self, path: Path, *, ttl_seconds: int) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._ttl = ttl_seconds
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        # A cache may lose its last entries to a power cut (they are asked again); it must not
        # fsync once per answer: a fan-out's answers arrive together, and their serialised
        # fsyncs added about half a second to the analysts' step (measured, tests/bench).
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS llm_prompt_cache ("
            "key TEXT PRIMARY KEY, answer TEXT NOT NULL, stored_at REAL NOT NULL)"
        )
        self._lock = threading.Lock()
        """A thread lock, not an asyncio one: the cache outlives event loops (CLI, tests, API)."""

    def _get(self, key: str, now: float) -> str | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT answer, stored_at FROM llm_prompt_cache WHERE key = ?", (key,)
            ).fetchone()
        if row is None or now - row[1] > self._ttl:
            return None
        return str(row[0])

    def _put(self, key: str, answer: str, now: float) -> None:
        with self._lock:
            self._conn.execute(
                "INSERT OR REPLACE INTO llm_prompt_cache (key, answer, stored_at) VALUES (?, ?, ?)",
                (key, answer, now),
            )

    async def get(self, key: str) -> str | None:
        return await asyncio.to_thread(self._get, key, time.time())

    async def put(self, key: str, answer_json: str) -> None:
        await asyncio.to_thread(self._put, key, answer_json, time.time())

    def close(self) -> None:
        self._conn.close()


class RedisPromptCache:
    """Keys ``hedgegraph:llm:<sha256>`` with a TTL, shared by every worker on the same Redis."""

    def __init__(self, url: str, *, ttl_seconds: int, prefix: str = "hedgegraph:llm:") -> None:
        self._url = url
        self._ttl = ttl_seconds
        self._prefix = prefix

    def _client(self) -> aioredis.Redis:
        # a client per call binds to the running loop; pooled sockets are cheap next to an LLM call
        import redis.asyncio as aioredis  # the redis extra: only when this cache is chosen

        return aioredis.Redis.from_url(self._url, decode_responses=True)

    async def get(self, key: str) -> str | None:
        client = self._client()
        try:
            value = await client.get(self._prefix + key)
        finally:
            await client.aclose()
        return None if value is None else str(value)

    async def put(self, key: str, answer_json: str) -> None:
        client = self._client()
        try:
            await client.set(self._prefix + key, answer_json, ex=self._ttl)
        finally:
            await client.aclose()
