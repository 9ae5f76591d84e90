"""In-process TTL cache with a size bound (the embedded default; no server needed)."""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime, timedelta
from threading import Lock

from tools.clock import Clock, SystemClock

__all__ = ["InProcessCache"]


class InProcessCache:
    """Thread-safe LRU of bytes with per-entry expiry, measured on ``clock``.

    Why a bound: a long-running scheduler would otherwise grow without limit; the least recently
    used entry goes first.
    """

    name = "memory"

    def __init__(self, *, max_entries: int = 10_000, clock: Clock | None = None) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be positive")
        self._entries: OrderedDict[str, tuple[datetime, bytes]] = OrderedDict()
        self._max = max_entries
        self._clock = clock or SystemClock()
        self._lock = Lock()

    def get(self, key: str) -> bytes | None:
        now = self._clock.now()
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            expires, value = entry
            if expires <= now:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return value

    def set(self, key: str, value: bytes, *, ttl_seconds: float) -> None:
        if ttl_seconds <= 0:
            raise ValueError("ttl_seconds must be positive")
        expires = self._clock.now() + timedelta(seconds=ttl_seconds)
        with self._lock:
            self._entries[key] = (expires, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
