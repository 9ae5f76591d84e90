"""Market snapshots in Redis: the production store when REDIS_URL is set.

Why Redis and not the file store in production: the API server, the scheduler and a CLI command
may run on different hosts that share Postgres and Redis but no HEDGEGRAPH_HOME, and a thread one
of them checkpointed must resume in another on the very snapshot it started with. Why an expiry:
a snapshot is only needed while its thread can still be resumed, which retention bounds (30 days
by default); the server drops it after that, so the store needs no pruning job of its own.

The same guarantees as the file store: content-addressed (SET NX, so a second put of the same
snapshot writes nothing), verified on read (a damaged or missing value is ``SnapshotMissingError``,
never a different snapshot), and a process-local copy spares re-reading it.
"""

from __future__ import annotations

import hashlib
import zlib
from datetime import timedelta

import redis

from domain import MarketSnapshot
from tools.market_data.snapshot_store import (
    InProcessSnapshotStore,
    SnapshotMissingError,
    SnapshotRef,
    canonical_snapshot_json,
    snapshot_ref_for,
)

__all__ = ["DEFAULT_SNAPSHOT_TTL", "RedisSnapshotStore"]

DEFAULT_SNAPSHOT_TTL = timedelta(days=30)
"""As long as retention keeps a thread's checkpoints (``graph.retention.DEFAULT_RETENTION``)."""


class RedisSnapshotStore:
    """One zlib-compressed JSON value per content hash under ``<prefix>:<hash>``, with a TTL."""

    def __init__(
        self,
        client_or_url: redis.Redis | str,
        *,
        ttl: timedelta = DEFAULT_SNAPSHOT_TTL,
        prefix: str = "hedgegraph:snapshot",
        timeout: float = 5.0,
        memory_entries: int = 16,
    ) -> None:
        if ttl <= timedelta(0):
            raise ValueError("ttl must be positive")
        self._redis = (
            redis.Redis.from_url(
                client_or_url, socket_timeout=timeout, socket_connect_timeout=timeout
            )
            if isinstance(client_or_url, str)
            else client_or_url
        )
        self._ttl_ms = int(ttl.total_seconds() * 1000)
        self._prefix = prefix
        self._memory = InProcessSnapshotStore(max_entries=memory_entries)

    def _key(self, content_hash: str) -> str:
        return f"{self._prefix}:{content_hash}"

    def put(self, snapshot: MarketSnapshot) -> SnapshotRef:
        body = canonical_snapshot_json(snapshot)
        ref = snapshot_ref_for(snapshot, body)
        key = self._key(ref["content_hash"])
        # NX: an identical snapshot is already there; refresh its expiry, since it is in use again
        if not self._redis.set(key, zlib.compress(body, 1), nx=True, px=self._ttl_ms):
            self._redis.pexpire(key, self._ttl_ms)
        self._memory.keep(ref, snapshot)
        return ref

    def get(self, ref: SnapshotRef) -> MarketSnapshot:
        found = self._memory.find(ref)
        if found is not None:
            return found
        short = ref["content_hash"][:12]
        try:
            raw = self._redis.get(self._key(ref["content_hash"]))
        except redis.RedisError as exc:
            raise SnapshotMissingError(f"snapshot {short}: Redis did not answer: {exc}") from exc
        if not isinstance(raw, bytes):
            raise SnapshotMissingError(f"snapshot {short} is not in Redis (expired or never put)")
        try:
            body = zlib.decompress(raw)
        except zlib.error as exc:
            raise SnapshotMissingError(f"snapshot {short} is damaged in Redis: {exc}") from exc
        if hashlib.sha256(body).hexdigest() != ref["content_hash"]:
            raise SnapshotMissingError(f"snapshot {short} fails its hash")
        snapshot = MarketSnapshot.model_validate_json(body)
        self._memory.keep(ref, snapshot)
        return snapshot

    def close(self) -> None:
        self._redis.close()
