"""Risk-gate latency: median time to judge a batch, small vs large, side by side in one run.

Run: ``.venv/bin/python -m tests.bench.risk_gate``. Reports medians of repeated runs and the
large/small ratio (the machines are shared and noisy; absolute times are indicative only).
"""

from __future__ import annotations

import statistics
import time

from domain import OrderSide
from graph.risk.gate import evaluate_intents
from tests.unit.risk.factory import intent, limits, portfolio, snapshot

TICKERS = [f"T{i:02d}" for i in range(40)]


def _median_ms(batch: list, snap, lim, repeats: int = 30) -> float:  # type: ignore[no-untyped-def]
    evaluate_intents(batch, snap, lim)  # warm the calendar cache
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        evaluate_intents(batch, snap, lim)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    held = {t: ("10", "100") for t in TICKERS[:20]}
    snap = snapshot(portfolio("500000", held), {t: 100.0 for t in TICKERS})
    lim = limits(max_open_positions=50)
    small = [intent(t, qty="5") for t in TICKERS[20:25]]
    large = [
        intent(
            t,
            side=OrderSide.SELL if i % 3 == 0 else OrderSide.BUY,
            qty="5",
            reduces_position=i % 3 == 0,
        )
        for i, t in enumerate(TICKERS + TICKERS[:10])
    ]
    s = _median_ms(small, snap, lim)
    big = _median_ms(large, snap, lim)
    print(f"positions held: {len(held)}; batch sizes: {len(small)} and {len(large)}")
    print(f"median ms per batch: small {s:.2f}, large {big:.2f}; ratio {big / s:.1f}x")
    print(f"median ms per intent: small {s / len(small):.3f}, large {big / len(large):.3f}")
    assert all(v.approved_qty <= v.intent.qty for v in evaluate_intents(large, snap, lim))


if __name__ == "__main__":
    main()
