"""The Redis snapshot store against a real server: shared, content-addressed, verified, expiring."""

from __future__ import annotations

import zlib
from datetime import UTC, datetime, timedelta

import pytest
import redis

from domain import MarketSnapshot
from tools.market_data.offline import OfflineMarketData
from tools.market_data.redis_snapshots import RedisSnapshotStore
from tools.market_data.snapshot import build_snapshot
from tools.market_data.snapshot_store import SnapshotMissingError

pytestmark = pytest.mark.integration

AS_OF = datetime(2025, 3, 11, 15, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def snapshot() -> MarketSnapshot:
    return build_snapshot(OfflineMarketData(), ["AAPL", "MSFT"], as_of=AS_OF)


def test_another_process_reads_the_snapshot_by_its_hash(
    redis_url: str, snapshot: MarketSnapshot
) -> None:
    writer = RedisSnapshotStore(redis_url, prefix="snap-a")
    ref = writer.put(snapshot)
    reader = RedisSnapshotStore(redis_url, prefix="snap-a")  # its own memory: Redis, not a copy
    assert reader.get(ref) == snapshot
    assert writer.put(snapshot) == ref, "content-addressed: the same snapshot, the same ref"
    raw = redis.Redis.from_url(redis_url)
    try:
        assert len(list(raw.scan_iter("snap-a:*"))) == 1
        ttl = raw.pttl(f"snap-a:{ref['content_hash']}")
        assert timedelta(days=29) < timedelta(milliseconds=ttl) <= timedelta(days=30)
    finally:
        raw.close()
        writer.close()
        reader.close()


def test_a_damaged_expired_or_unreachable_snapshot_is_refused(
    redis_url: str, snapshot: MarketSnapshot
) -> None:
    ref = RedisSnapshotStore(redis_url, prefix="snap-b").put(snapshot)
    key = f"snap-b:{ref['content_hash']}"
    raw = redis.Redis.from_url(redis_url)
    try:
        later = build_snapshot(OfflineMarketData(), ["AAPL", "MSFT"], as_of=AS_OF + timedelta(1))
        raw.set(key, zlib.compress(later.model_dump_json().encode()))  # another snapshot's body
        with pytest.raises(SnapshotMissingError, match="fails its hash"):
            RedisSnapshotStore(redis_url, prefix="snap-b").get(ref)
        raw.set(key, b"not zlib")
        with pytest.raises(SnapshotMissingError, match="damaged"):
            RedisSnapshotStore(redis_url, prefix="snap-b").get(ref)
        raw.delete(key)
        with pytest.raises(SnapshotMissingError, match="expired or never put"):
            RedisSnapshotStore(redis_url, prefix="snap-b").get(ref)
    finally:
        raw.close()
    with pytest.raises(SnapshotMissingError, match="did not answer"):
        RedisSnapshotStore("redis://127.0.0.1:1", prefix="snap-b", timeout=0.5).get(ref)


def test_the_expiry_drops_a_snapshot_nobody_needs(redis_url: str, snapshot: MarketSnapshot) -> None:
    import time

    store = RedisSnapshotStore(redis_url, prefix="snap-c", ttl=timedelta(milliseconds=300))
    ref = store.put(snapshot)
    time.sleep(0.5)
    with pytest.raises(SnapshotMissingError):
        RedisSnapshotStore(redis_url, prefix="snap-c").get(ref)
    store.close()


def test_a_context_with_redis_keeps_its_snapshots_there(
    redis_url: str, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from config.settings import load_settings
    from graph.assembly import build_context

    monkeypatch.chdir(tmp_path)
    with_redis = load_settings(hedgegraph_home=tmp_path / "home", redis_url=redis_url)
    embedded = load_settings(hedgegraph_home=tmp_path / "home")
    assert isinstance(build_context(with_redis).snapshots, RedisSnapshotStore)
    assert not isinstance(build_context(embedded).snapshots, RedisSnapshotStore)
