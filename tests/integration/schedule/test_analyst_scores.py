"""Per-analyst hit rates for the end-of-day report, on a real SQLite ledger.

Three decisions with orders (AAPL bought at 170.73, MSFT at 170.73, NVDA at 170.73, the
factory's reference price) and one without. Prices now: AAPL up, MSFT down, NVDA unchanged.
Worked by hand: valuation says bullish on AAPL (hit) and MSFT (miss), bearish on NVDA (unchanged,
not scored) -> 1/2. sentiment: bearish on AAPL (miss), bearish on MSFT (hit) -> 1/2. technicals:
bullish on AAPL (hit), neutral on MSFT (not scored), no signal on NVDA -> 1/1. The decision
without an order (TSLA, no reference price) scores nothing; a decision older than ``since``
neither.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from domain import AnalystVerdict, VerdictSignal
from graph.schedule.analyst_scores import analyst_hit_rates, describe_hit_rates
from tests.unit.persistence.state_factory import AS_OF, decision, order_intent
from tools.persistence.sql_ledger import SqlLedger

B, S, N, X = (
    VerdictSignal.BULLISH,
    VerdictSignal.BEARISH,
    VerdictSignal.NEUTRAL,
    VerdictSignal.NO_SIGNAL,
)
CALLS = {
    "AAPL": {"valuation": B, "sentiment": S, "technicals": B},
    "MSFT": {"valuation": B, "sentiment": S, "technicals": N},
    "NVDA": {"valuation": S, "technicals": X},
    "TSLA": {"valuation": B, "sentiment": B},
}
NOW = {"AAPL": Decimal("180"), "MSFT": Decimal("160"), "NVDA": Decimal("170.73")}


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[SqlLedger]:
    book = SqlLedger.from_url(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    yield book
    book.close()


def _decide(ledger: SqlLedger, ticker: str, *, ordered: bool, at: object = AS_OF) -> None:
    thread = f"t-{ticker}-{at}"
    intent = order_intent(thread, "d-1", ticker)
    if ordered:
        ledger.record_intent(intent, "10")
    verdicts = [
        AnalystVerdict(
            analyst=name,
            ticker=ticker,
            signal=signal,
            confidence=0.6,
            failure_reason="timeout" if signal is X else None,
        )
        for name, signal in CALLS[ticker].items()
    ]
    ledger.record_decision(
        thread_id=thread,
        decision=decision("d-1", ticker),
        verdicts=verdicts,
        gate_verdict=None,
        inputs_digest="sha256:x",
        model="rules",
        prompt_hash=None,
        order_client_ids=[intent.client_order_id] if ordered else [],
        recorded_at=at,  # type: ignore[arg-type]
    )


def test_hit_rates_score_directional_verdicts_against_the_orders_reference_price(
    ledger: SqlLedger,
) -> None:
    for ticker in ("AAPL", "MSFT", "NVDA"):
        _decide(ledger, ticker, ordered=True)
    _decide(ledger, "TSLA", ordered=False)
    _decide(ledger, "AAPL", ordered=True, at=AS_OF - timedelta(days=40))  # before the window
    asked: list[str] = []

    def price_now(symbol: str) -> Decimal | None:
        asked.append(symbol)
        return NOW.get(symbol)

    rates = analyst_hit_rates(ledger, price_now, since=AS_OF - timedelta(days=30))
    assert [(r.analyst, r.hits, r.scored) for r in rates] == [
        ("sentiment", 1, 2),
        ("technicals", 1, 1),
        ("valuation", 1, 2),
    ]
    assert sorted(asked) == ["AAPL", "MSFT", "NVDA"], "one price per ticker, none for TSLA"
    assert describe_hit_rates(rates, AS_OF - timedelta(days=30)) == (
        "per-analyst hit rates since 2024-02-07: sentiment 1/2 (50%), technicals 1/1 (100%), "
        "valuation 1/2 (50%)"
    )


def test_no_scored_verdicts_says_so(ledger: SqlLedger) -> None:
    _decide(ledger, "TSLA", ordered=False)
    rates = analyst_hit_rates(ledger, lambda _: Decimal(1), since=AS_OF - timedelta(days=1))
    assert rates == []
    assert describe_hit_rates(rates, AS_OF) == (
        "per-analyst hit rates since 2024-03-08: no scored verdicts yet"
    )
