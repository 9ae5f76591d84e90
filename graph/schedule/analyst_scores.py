"""Per-analyst hit rates so far, for the end-of-day report.

Why scored against the order's reference price: that is the price the decision was made at and
the one the ledger keeps with the intent (a decision that led to no order has no recorded price
to score against, so it is left out, and the report says how many were scored). A bullish verdict
is a hit when the price now is above the reference, a bearish one when it is below; an unchanged
price, a neutral verdict, missing data or a failed analyst score nothing. The backtester's
forward-return hit rates answer the same question over history; this one is the live account's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel

from domain import VerdictSignal
from tools.persistence.sql_ledger import SqlLedger

__all__ = ["AnalystHitRate", "analyst_hit_rates", "describe_hit_rates"]

_DIRECTIONAL = {VerdictSignal.BULLISH.value: 1, VerdictSignal.BEARISH.value: -1}


class AnalystHitRate(BaseModel):
    analyst: str
    scored: int
    hits: int

    @property
    def rate(self) -> float | None:
        return self.hits / self.scored if self.scored else None


def analyst_hit_rates(
    ledger: SqlLedger, price_now: Callable[[str], Decimal | None], *, since: datetime
) -> list[AnalystHitRate]:
    """Each analyst's directional verdicts on decisions with an order since ``since``, scored
    against the price now (``price_now`` answers ``None`` when it has no price)."""
    scored: dict[str, int] = defaultdict(int)
    hits: dict[str, int] = defaultdict(int)
    prices: dict[str, Decimal | None] = {}
    for audit in ledger.decisions_since(since):
        reference = _reference_price(ledger, audit.order_client_ids)
        if reference is None:
            continue
        if audit.ticker not in prices:
            prices[audit.ticker] = price_now(audit.ticker)
        now = prices[audit.ticker]
        if now is None or now == reference:
            continue
        moved = 1 if now > reference else -1
        for verdict in audit.analyst_verdicts:
            direction = _DIRECTIONAL.get(str(verdict.get("signal")))
            if direction is None:
                continue
            analyst = str(verdict.get("analyst"))
            scored[analyst] += 1
            hits[analyst] += int(direction == moved)
    return [AnalystHitRate(analyst=a, scored=scored[a], hits=hits[a]) for a in sorted(scored)]


def describe_hit_rates(rates: list[AnalystHitRate], since: datetime) -> str:
    if not rates:
        return f"per-analyst hit rates since {since.date()}: no scored verdicts yet"
    shown = ", ".join(f"{r.analyst} {r.hits}/{r.scored} ({r.rate:.0%})" for r in rates)
    return f"per-analyst hit rates since {since.date()}: {shown}"


def _reference_price(ledger: SqlLedger, client_order_ids: tuple[str, ...]) -> Decimal | None:
    for client_order_id in client_order_ids:
        intent = ledger.intent(client_order_id)
        if intent is not None:
            return intent.reference_price
    return None
