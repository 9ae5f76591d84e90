"""Did a finished cycle get to trade? The facts behind exit status 3.

Why: a cycle whose every ticker had no data, or whose every analyst call failed, "succeeds" in the
sense that nothing crashed, yet it decided nothing; a cron job must see that without parsing
warnings. Each reason is a stable code (for ``--json``) with a sentence (for the terminal).
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from domain import EventSeverity, ReasonCode, VerdictSignal

if TYPE_CHECKING:
    from graph.runner import CycleResult

__all__ = ["CouldNotTrade", "could_not_trade"]


class CouldNotTrade(StrEnum):
    PORTFOLIO_UNKNOWN = "portfolio_unknown"
    NO_DATA = "no_data"
    ALL_ANALYSTS_FAILED = "all_analysts_failed"
    ORDER_NOT_PLACED = "order_not_placed"
    DECISION_EXPIRED = "decision_expired"

    @property
    def sentence(self) -> str:
        return _SENTENCES[self]


_SENTENCES = {
    CouldNotTrade.PORTFOLIO_UNKNOWN: "the broker's portfolio could not be read, so nothing traded",
    CouldNotTrade.NO_DATA: "market data was unavailable for every ticker",
    CouldNotTrade.ALL_ANALYSTS_FAILED: "every analyst call failed (no signal from any analyst)",
    CouldNotTrade.ORDER_NOT_PLACED: "an order the gate approved was not placed at the broker",
    CouldNotTrade.DECISION_EXPIRED: "an approved decision had expired before it could be sent",
}


def could_not_trade(result: CycleResult) -> list[CouldNotTrade]:
    """The reasons this cycle could not trade; empty when it traded or chose not to."""
    if result.status.value != "completed":
        return []
    reasons: list[CouldNotTrade] = []
    events = result.events
    if any(e.node == "load_context" and e.severity is EventSeverity.CRITICAL for e in events):
        reasons.append(CouldNotTrade.PORTFOLIO_UNKNOWN)
    no_data = {
        e.ticker
        for e in events
        if e.node == "load_context" and e.ticker and e.severity is not EventSeverity.INFO
    }
    if result.tickers and set(result.tickers) <= no_data:
        reasons.append(CouldNotTrade.NO_DATA)
    verdicts = result.analyst_verdicts
    if verdicts and all(v.signal is VerdictSignal.NO_SIGNAL for v in verdicts):
        reasons.append(CouldNotTrade.ALL_ANALYSTS_FAILED)
    placed = {o.client_order_id for o in result.orders}
    if any(v.executable and v.intent.client_order_id not in placed for v in result.verdicts):
        reasons.append(CouldNotTrade.ORDER_NOT_PLACED)
    if any(ReasonCode.DECISION_EXPIRED in v.reason_codes for v in result.verdicts):
        reasons.append(CouldNotTrade.DECISION_EXPIRED)
    return reasons
