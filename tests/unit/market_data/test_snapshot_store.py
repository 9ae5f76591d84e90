"""The snapshot store and the offline path cache: what a resume and the next process read back."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from domain import MarketSnapshot
from tools.market_data import offline
from tools.market_data.offline import OfflineMarketData
from tools.market_data.snapshot import build_snapshot
from tools.market_data.snapshot_store import (
    FileSnapshotStore,
    InProcessSnapshotStore,
    SnapshotMissingError,
)

AS_OF = datetime(2025, 3, 11, 15, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def snapshot() -> MarketSnapshot:
    return build_snapshot(OfflineMarketData(), ["AAPL", "MSFT"], as_of=AS_OF)


def test_another_store_on_the_same_folder_reads_the_same_snapshot(
    tmp_path: Path, snapshot: MarketSnapshot
) -> None:
    ref = FileSnapshotStore(tmp_path).put(snapshot)
    assert ref["as_of"] == AS_OF.isoformat() and ref["source"] == "offline"
    assert FileSnapshotStore(tmp_path).get(ref) == snapshot  # a fresh process: disk, not memory
    assert FileSnapshotStore(tmp_path).put(snapshot) == ref  # content-addressed: idempotent


def test_a_different_snapshot_gets_a_different_reference(
    tmp_path: Path, snapshot: MarketSnapshot
) -> None:
    later = build_snapshot(OfflineMarketData(), ["AAPL", "MSFT"], as_of=AS_OF.replace(day=18))
    store = FileSnapshotStore(tmp_path)
    assert store.put(later)["content_hash"] != store.put(snapshot)["content_hash"]


def test_a_damaged_or_missing_snapshot_is_refused(tmp_path: Path, snapshot: MarketSnapshot) -> None:
    ref = FileSnapshotStore(tmp_path).put(snapshot)
    (stored,) = tmp_path.rglob("*.json.z")
    stored.write_bytes(stored.read_bytes()[:-10])
    with pytest.raises(SnapshotMissingError):
        FileSnapshotStore(tmp_path).get(ref)
    stored.unlink()
    with pytest.raises(SnapshotMissingError):
        FileSnapshotStore(tmp_path).get(ref)
    with pytest.raises(SnapshotMissingError):
        InProcessSnapshotStore().get(ref)


def test_the_offline_path_cache_gives_the_synthesised_path_back(tmp_path: Path) -> None:
    fresh = offline._price_path(7, "CACHE1")
    cached_first = offline._price_path(7, "CACHE1", tmp_path)
    offline._price_path.cache_clear()  # what the next process sees: only the file
    from_disk = offline._price_path(7, "CACHE1", tmp_path)
    for path in (cached_first, from_disk):
        assert path.ohlcv.tobytes() == fresh.ohlcv.tobytes()
        assert path.regimes == fresh.regimes and path.days == fresh.days
    (stored,) = tmp_path.glob("path-*.bin")
    stored.write_bytes(b"damaged")
    offline._price_path.cache_clear()
    assert offline._price_path(7, "CACHE1", tmp_path).ohlcv.tobytes() == fresh.ohlcv.tobytes()


def test_prune_removes_snapshots_nobody_used_for_the_retention_age(
    tmp_path: Path, snapshot: MarketSnapshot
) -> None:
    import os
    import time

    store = FileSnapshotStore(tmp_path)
    old = store.put(snapshot)
    later = build_snapshot(OfflineMarketData(), ["AAPL"], as_of=AS_OF.replace(day=18))
    store.put(later)
    (path,) = [p for p in tmp_path.glob("*/*.json.z") if p.name.startswith(old["content_hash"])]
    long_ago = time.time() - 40 * 86400
    os.utime(path, (long_ago, long_ago))
    assert store.prune(older_than_seconds=30 * 86400) == 1
    with pytest.raises(SnapshotMissingError):
        FileSnapshotStore(tmp_path).get(old)
    store.put(snapshot)  # in use again: written back, and a re-put refreshes the age
    os.utime(path, (long_ago, long_ago))
    store.put(snapshot)
    assert store.prune(older_than_seconds=30 * 86400) == 0
