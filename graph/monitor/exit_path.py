"""Closing positions the only allowed way: the execution road, like every other order.

The monitor and the emergency stop never talk to the broker's order entry directly (invariant 1).
Each exit signal becomes an exit intent (``reduces_position=True``, so the gate lets it through
whatever the trading state, the data or the caps say, and bounds it by the position) with its own
attempt id and a decision built for it, and goes down the road on the caller's account desk (the
account lock is already held). Every exit order so leaves a decision-audit row linked to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from domain import ExitSignal, GateVerdict, Order
from graph.execution.exits import exit_attempt, exit_decision, exit_inputs_digest
from graph.execution.intents import exit_intent
from graph.execution.requests import DecisionContext, OrderRequest
from graph.execution.road import AccountDesk
from tools.persistence.ledger import Ledger

__all__ = ["ExitOutcome", "exit_requests", "exit_through_road"]


@dataclass(frozen=True, slots=True)
class ExitOutcome:
    signal: ExitSignal
    verdict: GateVerdict
    order: Order | None = None
    error: str | None = None

    @property
    def placed(self) -> bool:
        """An exit order is working or filled (a dead or failed one is not)."""
        return self.order is not None and self.error is None


def exit_requests(
    signals: Sequence[ExitSignal], *, ledger: Ledger, thread_id: str, now: datetime
) -> list[OrderRequest]:
    """One road request per signal, each under the attempt id the ledger says comes next."""
    requests = []
    for signal in signals:
        attempt = exit_attempt(
            ledger, thread_id=thread_id, symbol=signal.symbol, reason=signal.reason
        )
        intent = exit_intent(signal, thread_id=thread_id, now=now, attempt=attempt)
        audit = DecisionContext(
            decision=exit_decision(signal, intent), inputs_digest=exit_inputs_digest(signal)
        )
        requests.append(OrderRequest(intent=intent, audit=audit, exit_signal=signal))
    return requests


def exit_through_road(
    signals: Sequence[ExitSignal],
    *,
    desk: AccountDesk,
    thread_id: str,
    now: datetime,
) -> list[ExitOutcome]:
    """Send ``signals`` as exits on ``desk`` (its account lock held by the caller)."""
    if not signals:
        return []
    requests = exit_requests(signals, ledger=desk.road.ledger, thread_id=thread_id, now=now)
    return [
        ExitOutcome(signal, outcome.verdict, order=outcome.order, error=outcome.error)
        for signal, outcome in zip(signals, desk.send(requests), strict=True)
    ]
