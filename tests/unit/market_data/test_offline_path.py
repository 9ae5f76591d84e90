"""The vectorised offline path is the scalar generator's path, bit for bit (issue 12).

The scalar generator is kept verbatim in ``_reference_offline_path``; golden decisions rest on
its numbers, so "close enough" is a failure here.
"""

from __future__ import annotations

import math
import random
from array import array
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.market_data._reference_offline_path import reference_synthesise
from tools.market_data import offline
from tools.market_data._offline_path import (
    REGIME_KINDS,
    _round_cents,
    _uniforms,
    synthesise_path,
)
from tools.market_data._offline_path_cache import PathCache
from tools.market_data._synthetic import seeded_rng
from tools.market_data.sessions import nyse_sessions

FULL = len(nyse_sessions().days) - nyse_sessions().days.index(offline.OFFLINE_EPOCH)


@pytest.mark.parametrize(
    ("seed", "ticker"),
    [(7, "AAPL"), (7, "NVDA"), (7, "T000"), (7, "T017"), (8, "MSFT"), (123, "BRK.B")],
)
def test_vectorised_path_equals_the_scalar_generator_bit_for_bit(seed: int, ticker: str) -> None:
    ref_ohlcv, ref_kinds = reference_synthesise(seed, ticker)
    values, kinds = synthesise_path(seeded_rng("offline-path", seed, ticker), FULL)
    assert array("d", values.tobytes()).tobytes() == ref_ohlcv.tobytes()
    assert [REGIME_KINDS[k] for k in kinds.tolist()] == ref_kinds


def test_every_regime_kind_including_the_squeeze_breakout_is_exercised() -> None:
    """The squeeze's extra draw shifts every later bar: the cases above must contain one."""
    _, kinds = synthesise_path(seeded_rng("offline-path", 7, "AAPL"), FULL)
    assert set(kinds.tolist()) == set(range(len(REGIME_KINDS)))


@pytest.mark.parametrize("sessions", [1, 29, 30, 31, 500, 6321])
def test_a_shorter_path_is_a_prefix_of_the_full_one(sessions: int) -> None:
    full, full_kinds = synthesise_path(seeded_rng("offline-path", 7, "MSFT"), FULL)
    short, short_kinds = synthesise_path(seeded_rng("offline-path", 7, "MSFT"), sessions)
    assert short.tobytes() == full[:sessions].tobytes()
    assert short_kinds.tobytes() == full_kinds[:sessions].tobytes()


def test_bulk_uniforms_are_the_random_module_stream() -> None:
    rng = seeded_rng("offline-path", 7, "AAPL")
    bulk = _uniforms(rng, 5000)
    assert bulk.tolist() == [rng.random() for _ in range(5000)]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(min_value=0.5, max_value=50_000.0), min_size=1, max_size=50))
def test_rounding_to_cents_is_pythons_round(values: list[float]) -> None:
    assert _round_cents(np.array(values)).tolist() == [round(v, 2) for v in values]


def test_rounding_to_cents_on_half_cent_ties() -> None:
    """Values whose decimal looks like a tie: only the exact binary value decides."""
    rng = random.Random(5)
    ties = [k / 1000 for k in range(5, 200_000, 10)] + [2.675, 1.005, 0.125, 10.015, 1234.565]
    ties += [rng.randrange(100, 10**6) / 100 + 0.005 for _ in range(2000)]
    assert _round_cents(np.array(ties)).tolist() == [round(v, 2) for v in ties]


def test_a_longer_cached_path_serves_a_shorter_request(tmp_path: Path) -> None:
    cache = PathCache(tmp_path, offline)
    ohlcv = array("d", [float(i) for i in range(5 * 300)])
    cache.store(7, "LONG", 100, ohlcv, bytes([2]) * 300)
    found = cache.load(7, "LONG", 120, 100)
    assert found is not None
    assert found[0].tolist() == ohlcv.tolist()[: 5 * 120] and found[1] == bytes([2]) * 120
    assert cache.load(7, "LONG", 120, 250) is not None  # more detail than asked: fine
    assert cache.load(7, "LONG", 301, 100) is None  # too short: synthesised again, never padded
    assert cache.load(7, "LONG", 120, 99) is None  # bars missing where they would be served


def test_the_provider_reads_the_same_numbers_from_a_truncated_path() -> None:
    """A 2025 read synthesises closes through 2025 only and full bars from its horizon's year,
    yet serves exactly the full path's numbers."""
    as_of = datetime(2025, 3, 11, 15, 0, tzinfo=UTC)
    market = offline.OfflineMarketData()
    short = market._path("AAPL", as_of)
    full = offline._price_path(7, "AAPL")
    n, d = len(short.days), short.detail_from
    assert n < 0.7 * len(full.days) and d > 0.9 * n
    assert short.days[-1] >= date(2025, 3, 18)  # the insider week of as_of, to its Friday
    assert short.days[d] <= as_of.date() - timedelta(days=market.history_days)
    assert short.closes.tobytes() == full.closes[:n].tobytes()
    assert short.ohlcv[5 * d :].tobytes() == full.ohlcv[5 * d : 5 * n].tobytes()
    served = market.bars("AAPL", start=date(2000, 1, 1), as_of=as_of)
    assert served[0].ts >= full.opens[d] and all(math.isfinite(b.open) for b in served)
