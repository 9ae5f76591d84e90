"""The threads this server was asked to create, with their metadata.

Why a registry beside the checkpointer: the protocol creates a thread (``POST /threads``) before
any run writes a checkpoint, and a client searches threads by metadata. A thread with a
checkpoint but not registered here (a CLI cycle, another worker) is still found by id; its
metadata is then empty.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

__all__ = ["ThreadExistsError", "ThreadRecord", "ThreadRegistry"]


class ThreadExistsError(ValueError):
    """``POST /threads`` with an id already registered and ``if_exists=raise`` (409)."""


@dataclass
class ThreadRecord:
    thread_id: str
    created_at: datetime
    metadata: dict[str, Any] = field(default_factory=dict)


class ThreadRegistry:
    def __init__(self) -> None:
        self._threads: dict[str, ThreadRecord] = {}

    def create(
        self, thread_id: str | None, metadata: dict[str, Any], *, if_exists: str = "raise"
    ) -> ThreadRecord:
        thread_id = thread_id or str(uuid.uuid4())
        known = self._threads.get(thread_id)
        if known is not None:
            if if_exists == "raise":
                raise ThreadExistsError(f"thread {thread_id} exists")
            return known
        record = ThreadRecord(thread_id, datetime.now(UTC), dict(metadata))
        self._threads[thread_id] = record
        return record

    def get(self, thread_id: str) -> ThreadRecord | None:
        return self._threads.get(thread_id)

    def adopt(self, thread_id: str) -> ThreadRecord:
        """A thread known from its checkpoint only (a CLI cycle, another worker)."""
        return self._threads.setdefault(thread_id, ThreadRecord(thread_id, datetime.now(UTC)))

    def search(self, metadata: dict[str, Any]) -> list[ThreadRecord]:
        """Newest first, every metadata key equal."""
        found = [
            r
            for r in self._threads.values()
            if all(r.metadata.get(k) == v for k, v in metadata.items())
        ]
        return sorted(found, key=lambda r: r.created_at, reverse=True)
