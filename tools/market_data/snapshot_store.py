"""Market snapshots stored once per run, addressed by their content hash.

Why out of the checkpoints: a snapshot is the biggest thing a cycle handles (about 50 KB per
ticker), and LangGraph writes the whole state into every checkpoint and every ``Send`` payload;
a 3-ticker cycle wrote 3 MB. The graph state now carries a ``SnapshotRef`` (hash, as-of, source)
and the nodes read the snapshot through the runtime context's store.

Why content-addressed and durable: a thread resumed after a crash, perhaps in another process,
must decide on the very snapshot it started with, not on whatever the provider says by then. The
hash names exactly one snapshot, so a resumed read is either that snapshot or a
``SnapshotMissingError`` (fail closed), never a newer one. The file store keeps each snapshot as
one compressed JSON file under HEDGEGRAPH_HOME; a process-local copy spares re-reading it.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
import time
import zlib
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypedDict, runtime_checkable

from domain import MarketSnapshot
from tools.market_data.ticker_json import snapshot_json

if TYPE_CHECKING:
    from config.settings import Settings

__all__ = [
    "FileSnapshotStore",
    "InProcessSnapshotStore",
    "SnapshotMissingError",
    "SnapshotRef",
    "SnapshotStore",
    "canonical_snapshot_json",
    "file_snapshot_folder",
    "snapshot_ref_for",
    "snapshot_store_from_settings",
]


class SnapshotRef(TypedDict):
    """What the state holds instead of the snapshot (plain data, so checkpoints stay small)."""

    content_hash: str
    """SHA-256 of the snapshot's canonical JSON; the store's key."""
    as_of: str
    """The point in time the snapshot describes, ISO 8601 (a string, so that every saver, the
    Redis saver's JSON included, gives back exactly what was written)."""
    source: str
    """The providers that answered, comma-separated."""


class SnapshotMissingError(LookupError):
    """The store has no snapshot for a reference (lost or never written): decide nothing."""


@runtime_checkable
class SnapshotStore(Protocol):
    """Where the run's snapshot lives; ``put`` is idempotent, ``get`` returns exactly that one."""

    def put(self, snapshot: MarketSnapshot) -> SnapshotRef: ...

    def get(self, ref: SnapshotRef) -> MarketSnapshot: ...


def canonical_snapshot_json(snapshot: MarketSnapshot) -> bytes:
    """The bytes a snapshot's content hash is taken over (every store writes exactly these):
    its ``model_dump_json``, assembled from per-ticker parts the decision audit reuses."""
    return snapshot_json(snapshot)


def _source_of(snapshot: MarketSnapshot) -> str:
    names = dict.fromkeys(
        part for data in snapshot.tickers.values() for part in data.source.split(",") if part
    )
    return ",".join(names)


def snapshot_ref_for(snapshot: MarketSnapshot, body: bytes | None = None) -> SnapshotRef:
    """The reference that names ``snapshot`` (``body``: its canonical JSON, if already made)."""
    digest = hashlib.sha256(
        body if body is not None else canonical_snapshot_json(snapshot)
    ).hexdigest()
    return SnapshotRef(
        content_hash=digest, as_of=snapshot.as_of.isoformat(), source=_source_of(snapshot)
    )


class InProcessSnapshotStore:
    """Snapshots in this process only (tests, embedded runs that never resume elsewhere)."""

    def __init__(self, *, max_entries: int = 16) -> None:
        self._max = max_entries
        self._entries: OrderedDict[str, MarketSnapshot] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, snapshot: MarketSnapshot) -> SnapshotRef:
        ref = snapshot_ref_for(snapshot)
        self.keep(ref, snapshot)
        return ref

    def keep(self, ref: SnapshotRef, snapshot: MarketSnapshot) -> None:
        """Hold ``snapshot`` under ``ref`` (the least recently used entry goes past the bound)."""
        with self._lock:
            self._entries[ref["content_hash"]] = snapshot
            self._entries.move_to_end(ref["content_hash"])
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)

    def find(self, ref: SnapshotRef) -> MarketSnapshot | None:
        with self._lock:
            found = self._entries.get(ref["content_hash"])
            if found is not None:
                self._entries.move_to_end(ref["content_hash"])
            return found

    def get(self, ref: SnapshotRef) -> MarketSnapshot:
        found = self.find(ref)
        if found is None:
            raise SnapshotMissingError(f"no snapshot {ref['content_hash'][:12]} in this process")
        return found


class FileSnapshotStore:
    """Durable snapshots, one zlib-compressed JSON file per content hash, under ``root``.

    Any process on the host that shares HEDGEGRAPH_HOME reads the same snapshot; writes go to a
    temporary file first and are renamed into place, so a crash never leaves half a snapshot.
    A read verifies the hash, so a damaged file is reported missing instead of decided on.
    """

    def __init__(self, root: Path, *, memory_entries: int = 16) -> None:
        self.root = root
        self._memory = InProcessSnapshotStore(max_entries=memory_entries)

    def _path(self, content_hash: str) -> Path:
        return self.root / content_hash[:2] / f"{content_hash}.json.z"

    def put(self, snapshot: MarketSnapshot) -> SnapshotRef:
        body = canonical_snapshot_json(snapshot)
        ref = snapshot_ref_for(snapshot, body)
        path = self._path(ref["content_hash"])
        if path.exists():
            os.utime(path)  # in use again: retention keeps it as long as its newest thread
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".snapshot-")
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(zlib.compress(body, 1))
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        self._memory.keep(ref, snapshot)
        return ref

    def prune(self, *, older_than_seconds: float) -> int:
        """Remove snapshots written (or last re-put) before the cutoff; returns how many.

        Why by age: a snapshot is needed only while its thread can be resumed, and retention
        deletes threads idle longer than the same age, so an older snapshot has no reader.
        """
        cutoff, removed = time.time() - older_than_seconds, 0
        for path in self.root.glob("*/*.json.z"):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                continue
        return removed

    def get(self, ref: SnapshotRef) -> MarketSnapshot:
        found = self._memory.find(ref)
        if found is not None:
            return found
        path = self._path(ref["content_hash"])
        try:
            body = zlib.decompress(path.read_bytes())
        except (OSError, zlib.error) as exc:
            raise SnapshotMissingError(
                f"snapshot {ref['content_hash'][:12]} unreadable at {path}: {exc}"
            ) from exc
        if hashlib.sha256(body).hexdigest() != ref["content_hash"]:
            raise SnapshotMissingError(f"snapshot {ref['content_hash'][:12]} fails its hash")
        snapshot = MarketSnapshot.model_validate_json(body)
        self._memory.keep(ref, snapshot)
        return snapshot


def file_snapshot_folder(settings: Settings) -> Path | None:
    """Where the embedded file store keeps snapshots; ``None`` when Redis holds them."""
    return None if settings.redis_url else settings.hedgegraph_home / "snapshots"


def snapshot_store_from_settings(settings: Settings) -> SnapshotStore:
    """Redis when REDIS_URL is set (shared by every host), else files under HEDGEGRAPH_HOME."""
    folder = file_snapshot_folder(settings)
    if folder is not None:
        return FileSnapshotStore(folder)
    from tools.market_data.redis_snapshots import RedisSnapshotStore

    return RedisSnapshotStore(str(settings.redis_url))
