"""Cache keys, the in-process store, and the cached provider over the real offline market."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain import Bar
from tools.cache import CacheUnavailableError, InProcessCache, cache_key
from tools.clock import FixedClock
from tools.market_data.cached import CachedMarketData
from tools.market_data.composite import DataKind
from tools.market_data.offline import OfflineMarketData

AS_OF = datetime(2026, 11, 20, 22, 0, tzinfo=UTC)


class CountingOffline(OfflineMarketData):
    """The real offline market, counting how often each kind is asked (the cache's 'network')."""

    name = "counting"

    def __init__(self) -> None:
        super().__init__()
        self.calls: dict[str, int] = {}
        self.as_ofs: list[datetime] = []

    def _tick(self, kind: str, as_of: datetime) -> None:
        self.calls[kind] = self.calls.get(kind, 0) + 1
        self.as_ofs.append(as_of)

    def bars(self, ticker: str, *, start: date, as_of: datetime) -> list[Bar]:
        self._tick("bars", as_of)
        return super().bars(ticker, start=start, as_of=as_of)

    def news(self, ticker: str, *, as_of: datetime, limit: int = 50):  # type: ignore[no-untyped-def]
        self._tick("news", as_of)
        return super().news(ticker, as_of=as_of, limit=limit)


class BrokenStore:
    name = "broken"

    def get(self, key: str) -> bytes | None:
        raise CacheUnavailableError("down")

    def set(self, key: str, value: bytes, *, ttl_seconds: float) -> None:
        raise CacheUnavailableError("down")


def test_keys_differ_for_any_parameter_and_agree_on_order() -> None:
    base = {"as_of": AS_OF, "limit": 5}
    k = cache_key("ns", "fd", "news", "AAPL", base)
    assert k == cache_key("ns", "fd", "news", "AAPL", {"limit": 5, "as_of": AS_OF})
    assert k != cache_key("ns", "fd", "news", "AAPL", {**base, "limit": 6})
    assert k != cache_key(
        "ns", "fd", "news", "AAPL", {**base, "as_of": AS_OF + timedelta(seconds=1)}
    )
    assert k != cache_key("ns", "fd", "metrics", "AAPL", base)
    assert k != cache_key("ns", "alpaca", "news", "AAPL", base)
    assert k != cache_key("ns", "fd", "news", "MSFT", base)


def test_separator_inside_a_part_cannot_forge_another_key() -> None:
    assert cache_key("ns", "fd", "news", "A:B", {}) != cache_key("ns", "fd:news", "A", "B", {})


@given(
    st.tuples(st.text(max_size=8), st.text(max_size=8), st.integers()),
    st.tuples(st.text(max_size=8), st.text(max_size=8), st.integers()),
)
def test_distinct_inputs_give_distinct_keys(
    a: tuple[str, str, int], b: tuple[str, str, int]
) -> None:
    ka = cache_key("ns", a[0], "bars", a[1], {"n": a[2]})
    kb = cache_key("ns", b[0], "bars", b[1], {"n": b[2]})
    assert (ka == kb) == (a == b)


def test_naive_datetimes_are_refused_in_keys() -> None:
    with pytest.raises(ValueError, match="naive"):
        cache_key("ns", "fd", "bars", "AAPL", {"as_of": datetime(2024, 1, 1)})


def test_in_process_entries_expire_on_the_clock() -> None:
    clock = FixedClock(AS_OF)
    cache = InProcessCache(clock=clock)
    cache.set("k", b"v", ttl_seconds=60)
    assert cache.get("k") == b"v"
    clock.advance(timedelta(seconds=59))
    assert cache.get("k") == b"v"
    clock.advance(timedelta(seconds=1))
    assert cache.get("k") is None


def test_in_process_cache_is_bounded_lru() -> None:
    cache = InProcessCache(max_entries=2, clock=FixedClock(AS_OF))
    cache.set("a", b"1", ttl_seconds=60)
    cache.set("b", b"2", ttl_seconds=60)
    assert cache.get("a") == b"1"  # a is now the most recently used
    cache.set("c", b"3", ttl_seconds=60)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (b"1", None, b"3")


def test_cached_provider_answers_repeats_from_the_cache() -> None:
    inner = CountingOffline()
    cached = CachedMarketData(inner, InProcessCache())
    first = cached.bars("AAPL", start=date(2026, 1, 1), as_of=AS_OF)
    second = cached.bars("AAPL", start=date(2026, 1, 1), as_of=AS_OF + timedelta(hours=2))
    assert first == second == inner.bars("AAPL", start=date(2026, 1, 1), as_of=AS_OF)
    assert inner.calls["bars"] == 2  # one through the cache, one direct just above
    assert (cached.hits, cached.misses) == (1, 1)
    # Next session's close is a new key.
    cached.bars("AAPL", start=date(2026, 1, 1), as_of=datetime(2026, 11, 23, 22, tzinfo=UTC))
    assert cached.misses == 2


def test_cached_bars_ask_the_provider_at_the_last_close() -> None:
    inner = CountingOffline()
    cached = CachedMarketData(inner, InProcessCache())
    cached.bars("MSFT", start=date(2026, 11, 1), as_of=datetime(2026, 11, 20, 18, 0, tzinfo=UTC))
    assert inner.as_ofs == [datetime(2026, 11, 19, 21, 0, tzinfo=UTC)]  # Thursday's close


def test_news_as_of_is_floored_never_rounded_up() -> None:
    inner = CountingOffline()
    cached = CachedMarketData(inner, InProcessCache())
    asked = datetime(2026, 11, 18, 16, 0, 59, tzinfo=UTC)
    news = cached.news("NVDA", as_of=asked)
    assert inner.as_ofs == [datetime(2026, 11, 18, 16, 0, tzinfo=UTC)]
    assert all(n.published_at <= asked for n in news)
    cached.news("NVDA", as_of=asked + timedelta(seconds=0.5))
    assert inner.calls["news"] == 1


def test_cache_outage_is_recorded_and_the_provider_still_answers(
    caplog: pytest.LogCaptureFixture,
) -> None:
    inner = CountingOffline()
    cached = CachedMarketData(inner, BrokenStore())
    bars = cached.bars("AAPL", start=date(2026, 11, 1), as_of=AS_OF)
    assert bars and cached.cache_errors == 2
    assert "cache read failed" in caplog.text


def test_per_kind_ttls_apply() -> None:
    clock = FixedClock(AS_OF)
    inner = CountingOffline()
    cached = CachedMarketData(
        inner, InProcessCache(clock=clock), ttl_seconds={DataKind.NEWS: 10, DataKind.BARS: 1000}
    )
    cached.news("AAPL", as_of=AS_OF)
    cached.bars("AAPL", start=date(2026, 11, 1), as_of=AS_OF)
    clock.advance(timedelta(seconds=11))
    cached.news("AAPL", as_of=AS_OF)
    cached.bars("AAPL", start=date(2026, 11, 1), as_of=AS_OF)
    assert inner.calls == {"news": 2, "bars": 1}
