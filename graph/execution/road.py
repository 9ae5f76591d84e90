"""The one road to the broker (invariant 1): snapshot, gate, persist, submit once, record.

Every order hedgegraph sends takes this road: the cycle's ``execute`` node, the position monitor's
exits and the emergency stop. Inside the account lock it

1. adopts what is already at the broker (the ledger recorded an order for the intent, or the broker
   holds its client id: a crash after submission) without gating it again;
2. gathers a fresh gate snapshot and gates every other intent on it, so a resumed crash, a late
   approval or a second cycle racing this one is judged on the account as it is now (an earlier
   verdict's quantity is an upper bound, never a floor);
3. submits exactly once (the intent is persisted first, the trading state is checked before every
   attempt);
4. records the order and a decision-audit row linked to it.

An exit whose order ends terminal with nothing filled is tried again under its next attempt id; a
failed or ambiguous order raises an alert as well as the outcome's error.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from config.settings import RiskParameters
from domain import (
    EventSeverity,
    GateOutcome,
    GateReason,
    GateVerdict,
    MarketSnapshot,
    Order,
    ReasonCode,
)
from graph.checkpoints.locks import InProcessThreadLocks, ThreadLocks, ThreadLockTimeoutError
from graph.execution.account_lock import account_lock
from graph.execution.exactly_once import is_dead, lookup_order, submit_exactly_once
from graph.execution.exits import exit_attempt
from graph.execution.intents import exit_intent
from graph.execution.requests import DecisionContext, ExecutionOutcome, OrderRequest
from graph.risk.gate import evaluate_intents
from graph.risk.gather import gather_gate_snapshot
from graph.risk.pricing import rebase_levels, sizing_price
from graph.risk.snapshot import GateSnapshot
from tools.alerts.dispatcher import AlertDispatcher
from tools.alerts.model import Alert
from tools.brokers.base import (
    AmbiguousSubmissionError,
    Broker,
    BrokerError,
    EntryBlockedError,
)
from tools.clock import Clock
from tools.failpoints import failpoint
from tools.observability import report
from tools.persistence.ledger import Ledger

if TYPE_CHECKING:  # the runtime context imports the LLM layer; the emergency stop must not
    from graph.context import TradingContext

__all__ = ["AccountDesk", "ExecutionRoad"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ExecutionRoad:
    """The parts the road needs; ``account()`` opens it under the account lock."""

    broker: Broker
    ledger: Ledger
    limits: RiskParameters
    clock: Clock
    locks: ThreadLocks = field(default_factory=InProcessThreadLocks)
    """Where the account lock is taken (file locks embedded, Redis in production)."""
    alerts: AlertDispatcher | None = None
    lookup_attempts: int = 5
    wait_seconds: float = 0.2
    exit_retries: int = 2
    """Fresh attempts an exit gets after one ends dead (cancelled or rejected, nothing filled)."""

    @classmethod
    def for_context(cls, ctx: TradingContext) -> ExecutionRoad:
        return cls(
            broker=ctx.broker,
            ledger=ctx.ledger,
            limits=ctx.settings.risk,
            clock=ctx.clock,
            locks=ctx.thread_locks,
            alerts=ctx.alerts,
        )

    @contextmanager
    def account(self, *, proceed_unlocked: bool = False) -> Iterator[AccountDesk]:
        """Hold the account lock while the caller works the account.

        Args:
            proceed_unlocked: for the emergency stop only. When another holder keeps the lock past
                its wait, go on without it (HALTED is already set, so that holder's next
                submission attempt refuses any entry) instead of leaving positions open.
        """
        with ExitStack() as stack:
            note = None
            try:
                stack.enter_context(account_lock(self.locks, self.broker.name))
            except ThreadLockTimeoutError as exc:
                if not proceed_unlocked:
                    raise
                note = f"account lock not acquired, proceeding without it: {exc}"
                log.warning(note)
            yield AccountDesk(self, lock_note=note)

    def send(
        self, requests: Sequence[OrderRequest], *, market: MarketSnapshot | None = None
    ) -> list[ExecutionOutcome]:
        """Take ``requests`` down the road under the account lock; one outcome per request."""
        with self.account() as desk:
            return desk.send(requests, market=market)

    def alert(self, severity: EventSeverity, title: str, message: str, *, key: str) -> None:
        """Send an operator alert; with no dispatcher it is at least logged."""
        if self.alerts is None:
            log.warning("%s: %s", title, message)
            return
        self.alerts.send(
            Alert(severity=severity, title=title, message=message, at=self.clock.now(), key=key)
        )


@dataclass(slots=True)
class AccountDesk:
    """The account while its lock is held: everything here runs serialised per account."""

    road: ExecutionRoad
    lock_note: str | None = None
    """Set when the emergency stop had to proceed without the lock."""

    def send(
        self, requests: Sequence[OrderRequest], *, market: MarketSnapshot | None = None
    ) -> list[ExecutionOutcome]:
        outcomes: dict[int, ExecutionOutcome] = {}
        fresh: list[tuple[int, OrderRequest]] = []
        recorded = self._recorded_orders(requests)
        for index, request in enumerate(requests):
            cid = request.intent.client_order_id
            try:
                existing = recorded.get(cid) or lookup_order(
                    self.road.broker, cid, self.road.lookup_attempts, self.road.wait_seconds
                )
            except BrokerError as exc:
                outcomes[index] = self._failed(request, _as_before(request), exc, ())
                continue
            if existing is not None:  # already sent (a crash after submission): adopt, no gate
                outcomes[index] = self._submit(request, _as_before(request), None)
            else:
                fresh.append((index, request))
        if fresh:
            gated = self._gate_and_submit([r for _, r in fresh], market)
            for (index, _), outcome in zip(fresh, gated, strict=True):
                outcomes[index] = outcome
        return [outcomes[i] for i in range(len(requests))]

    def _recorded_orders(self, requests: Sequence[OrderRequest]) -> dict[str, Order]:
        found: dict[str, Order] = {}
        for thread_id in sorted({r.intent.thread_id for r in requests}):
            for order in self.road.ledger.orders_for_thread(thread_id):
                found[order.client_order_id] = order
        return found

    def _gate_and_submit(
        self, requests: list[OrderRequest], market: MarketSnapshot | None
    ) -> list[ExecutionOutcome]:
        road = self.road
        now = road.clock.now()
        try:
            snapshot = gather_gate_snapshot(
                broker=road.broker,
                ledger=road.ledger,
                market=market if market is not None else MarketSnapshot(as_of=now),
                limits=road.limits,
                clock=road.clock,
                tickers=[r.intent.ticker for r in requests if not r.intent.reduces_position],
            )
        except BrokerError as exc:
            message = f"broker unavailable at gate time: {exc}"
            reason = GateReason(code=ReasonCode.STALE_DATA, message=message)
            return [
                self._failed(request, _vetoed(request, reason), exc, ()) for request in requests
            ]
        verdicts = evaluate_intents([r.intent for r in requests], snapshot, road.limits)
        failpoint("after_gate")
        outcomes = []
        for request, verdict in zip(requests, verdicts, strict=True):
            verdict = _capped(verdict, request.approved_qty)
            if not verdict.executable:
                codes = ", ".join(c.value for c in verdict.reason_codes) or "no quantity"
                outcomes.append(ExecutionOutcome(request, verdict, error=f"vetoed: {codes}"))
                continue
            outcomes.append(self._submit(request, verdict, snapshot))
        return outcomes

    def _submit(
        self, request: OrderRequest, verdict: GateVerdict, snapshot: GateSnapshot | None
    ) -> ExecutionOutcome:
        road = self.road
        if snapshot is not None and not verdict.intent.reduces_position:
            price = sizing_price(verdict.intent, snapshot.quotes.get(verdict.intent.ticker))
            verdict = verdict.model_copy(update={"intent": rebase_levels(verdict.intent, price)})
        audit = request.audit
        dead: list[Order] = []
        while True:
            intent = verdict.intent
            try:
                order = submit_exactly_once(
                    intent,
                    verdict.approved_qty,
                    broker=road.broker,
                    ledger=road.ledger,
                    lookup_attempts=road.lookup_attempts,
                    wait_seconds=road.wait_seconds,
                )
            except BrokerError as exc:
                return self._failed(request, verdict, exc, tuple(dead))
            self._record_decision(audit, verdict, order)
            if not is_dead(order):
                return ExecutionOutcome(request, verdict, order=order, attempts=tuple(dead))
            dead.append(order)
            signal = request.exit_signal
            if signal is None or len(dead) > road.exit_retries:
                break
            attempt = exit_attempt(
                road.ledger, thread_id=intent.thread_id, symbol=signal.symbol, reason=signal.reason
            )
            retry = exit_intent(
                signal, thread_id=intent.thread_id, now=road.clock.now(), attempt=attempt
            )
            verdict = verdict.model_copy(update={"intent": retry})
            audit = DecisionContext(
                decision=audit.decision.model_copy(update={"decision_id": retry.decision_id}),
                inputs_digest=audit.inputs_digest,
                analyst_verdicts=audit.analyst_verdicts,
                model=audit.model,
                prompt_hash=audit.prompt_hash,
            )
        message = (
            f"order not placed: {order.client_order_id} ended {order.status.value} "
            "with nothing filled"
        )
        road.alert(
            EventSeverity.ERROR,
            "order not placed",
            f"{intent.ticker} {intent.side.value} {verdict.approved_qty}: {message}",
            key=f"order-not-placed:{order.client_order_id}",
        )
        return ExecutionOutcome(
            request, verdict, order=order, error=message, attempts=tuple(dead[:-1])
        )

    def _record_decision(self, audit: DecisionContext, verdict: GateVerdict, order: Order) -> None:
        self.road.ledger.record_decision(
            thread_id=verdict.intent.thread_id,
            decision=audit.decision,
            verdicts=audit.analyst_verdicts,
            gate_verdict=verdict,
            inputs_digest=audit.inputs_digest,
            model=audit.model,
            prompt_hash=audit.prompt_hash,
            order_client_ids=[order.client_order_id],
            recorded_at=self.road.clock.now(),
        )

    def _failed(
        self,
        request: OrderRequest,
        verdict: GateVerdict,
        exc: BrokerError,
        dead: tuple[Order, ...],
    ) -> ExecutionOutcome:
        report.broker_error(exc)
        ambiguous = isinstance(exc, AmbiguousSubmissionError)
        title = "order stayed ambiguous" if ambiguous else "order not placed"
        intent = verdict.intent
        self.road.alert(
            EventSeverity.WARNING if isinstance(exc, EntryBlockedError) else EventSeverity.ERROR,
            title,
            f"{intent.ticker} {intent.side.value} {intent.qty} ({intent.client_order_id}): {exc}",
            key=f"{title}:{intent.client_order_id}",
        )
        return ExecutionOutcome(request, verdict, error=f"{title}: {exc}", attempts=dead)


def _as_before(request: OrderRequest) -> GateVerdict:
    """The verdict an already-sent order stands on (it is adopted, never gated again)."""
    qty = request.approved_qty if request.approved_qty is not None else request.intent.qty
    return GateVerdict(intent=request.intent, outcome=GateOutcome.APPROVED, approved_qty=qty)


def _vetoed(request: OrderRequest, reason: GateReason) -> GateVerdict:
    return GateVerdict(
        intent=request.intent,
        outcome=GateOutcome.VETOED,
        approved_qty=Decimal(0),
        reasons=(reason,),
    )


def _capped(verdict: GateVerdict, earlier: Decimal | None) -> GateVerdict:
    """The fresh verdict, never above what an earlier verdict (or a human) approved."""
    if earlier is None or verdict.approved_qty <= earlier:
        return verdict
    if earlier <= 0:
        return verdict.model_copy(
            update={"approved_qty": Decimal(0), "outcome": GateOutcome.VETOED}
        )
    outcome = GateOutcome.APPROVED if earlier >= verdict.intent.qty else GateOutcome.RESIZED
    return verdict.model_copy(update={"approved_qty": earlier, "outcome": outcome})
