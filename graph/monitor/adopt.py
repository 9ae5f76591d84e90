"""The operator adopts the broker's book as the truth: an explicit, audited ledger correction.

Why: positions opened outside hedgegraph (by hand, by another tool) and then closed by it leave
the ledger implying a position the broker does not hold, a negative one for a long that was
sold; reconciliation then halts and ``resume-trading`` refuses for good. Nothing automatic may
paper over that. ``adopt_broker_book`` is the operator's explicit act: after settling what can be
explained (pending intents, bracket legs), every remaining position difference becomes one filled
adjustment order of the ``operator-adopt`` thread, and every working order the ledger has never
heard of is recorded there too. Each adjustment has its intent, its fill and a decision-audit row
that names the operator's reason (invariants 3 and 6); an alert says what was adopted. Trading
state is left alone: the operator still resumes, and resuming still reconciles.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime
from decimal import Decimal

from domain import (
    EventSeverity,
    Fill,
    Order,
    OrderIntent,
    OrderSide,
    OrderStatus,
    OrderType,
    PortfolioSnapshot,
    TradeAction,
    TradeDecision,
    client_order_id_for,
)
from domain._base import DomainModel
from graph.monitor.legs import record_progress, settle_bracket_legs
from graph.monitor.reconcile import unsettled_ids
from tools.alerts.dispatcher import AlertDispatcher
from tools.alerts.model import Alert
from tools.brokers.base import Broker, BrokerError, QuoteSource
from tools.clock import Clock
from tools.persistence.sql_ledger import SqlLedger

__all__ = ["ADOPT_THREAD", "AdoptedPosition", "AdoptionReport", "adopt_broker_book"]

ADOPT_THREAD = "operator-adopt"
"""The thread every adoption is recorded in, so an operator finds them all in one place."""
_POLICY = "operator:adopt-broker-book"
log = logging.getLogger(__name__)


class AdoptedPosition(DomainModel):
    symbol: str
    ledger_qty: Decimal
    """What the ledger implied before the adoption."""
    broker_qty: Decimal
    """What the broker holds, and the ledger implies after it."""
    client_order_id: str
    """The adjustment order recorded in the ``operator-adopt`` thread."""
    price: Decimal
    """The price the adjustment is booked at: the broker's mark, else its current quote."""


class AdoptionReport(DomainModel):
    reason: str
    adopted_at: datetime
    positions: tuple[AdoptedPosition, ...] = ()
    orders: tuple[str, ...] = ()
    """client_order_ids of working broker orders the ledger now knows."""
    closed: tuple[str, ...] = ()
    """Orders the ledger called working that the broker never heard of, now closed as canceled."""
    unpriced: tuple[str, ...] = ()
    """Symbols (and orders) left as they were: no price to book them at."""

    @property
    def changed(self) -> bool:
        return bool(self.positions or self.orders or self.closed)


def adopt_broker_book(
    *,
    broker: Broker,
    ledger: SqlLedger,
    clock: Clock,
    reason: str,
    alerts: AlertDispatcher | None = None,
) -> AdoptionReport:
    """Make the ledger agree with the broker's positions and working orders, on the record.

    Raises ``ValueError`` without a reason and ``BrokerError`` when the broker cannot be read
    (then no adjustment is written: an unreadable order could be one the adjustment counts).
    """
    if not reason.strip():
        raise ValueError("adopting the broker's book needs a reason for the audit")
    now = clock.now()
    closed = _settle_strictly(broker, ledger, now)
    portfolio = broker.portfolio()
    working = broker.open_orders()
    stamp = now.strftime("%Y%m%dT%H%M%S%f")
    positions: list[AdoptedPosition] = []
    unpriced: list[str] = []
    expected = ledger.net_positions()
    held = {s: p.qty for s, p in portfolio.positions.items() if p.qty != 0}
    for symbol in sorted(set(expected) | set(held)):
        local, remote = expected.get(symbol, Decimal(0)), held.get(symbol, Decimal(0))
        if local == remote:
            continue
        price = _price(symbol, portfolio, broker)
        if price is None:
            unpriced.append(symbol)
            continue
        positions.append(
            _adjust(ledger, symbol, local, remote, price, f"adopt-{stamp}-{symbol}", now, reason)
        )
    known = {o.client_order_id for o in ledger.open_orders()}
    orders: list[str] = []
    for o in working:
        if o.client_order_id in known or ledger.order(o.client_order_id) is not None:
            continue
        price = o.limit_price or _price(o.ticker, portfolio, broker)
        if price is None:
            unpriced.append(f"order {o.client_order_id}")
            continue
        decision_id = f"adopt-{stamp}-order-{o.client_order_id}"[:128]
        _adopt_order(ledger, o, portfolio, price, decision_id, now)
        change = f"working {o.side.value} {o.qty} placed outside hedgegraph"
        _audit(
            ledger, decision_id, o.ticker, o.side, o.qty, now, reason, change, [o.client_order_id]
        )
        orders.append(o.client_order_id)
    report = AdoptionReport(
        reason=reason,
        adopted_at=now,
        positions=tuple(positions),
        orders=tuple(orders),
        closed=tuple(closed),
        unpriced=tuple(unpriced),
    )
    _announce(report, alerts)
    return report


def _settle_strictly(broker: Broker, ledger: SqlLedger, now: datetime) -> list[str]:
    """Record the broker's answer for every unsettled intent first; a failed lookup aborts.

    A working order the ledger holds and the broker has never heard of is closed as canceled
    (the broker's book is the truth); returns those client_order_ids.
    """
    closed: list[str] = []
    for cid in unsettled_ids(ledger):
        order = broker.get_order_by_client_id(cid)
        mine = ledger.order(cid)
        if order is not None:
            record_progress(ledger, order)
        elif mine is not None:
            ledger.record_order(
                mine.model_copy(update={"status": OrderStatus.CANCELED, "updated_at": now})
            )
            closed.append(cid)
    working = broker.open_orders()
    known = {o.client_order_id for o in ledger.open_orders()}
    _, unreadable = settle_bracket_legs(
        broker,
        ledger,
        held=ledger.net_positions(),
        also=[o.ticker for o in working if o.client_order_id not in known],
    )
    if unreadable:
        raise BrokerError("; ".join(unreadable))
    return closed


def _price(symbol: str, portfolio: PortfolioSnapshot, broker: Broker) -> Decimal | None:
    position = portfolio.positions.get(symbol)
    if position is not None and position.market_price is not None and position.market_price > 0:
        return position.market_price
    if isinstance(broker, QuoteSource):
        try:
            quote = broker.latest_quote(symbol)
        except BrokerError as exc:
            log.warning("adopt: no quote for %s (%s)", symbol, exc)
            quote = None
        if quote is not None and quote.mid > 0:
            return Decimal(str(quote.mid))
    return None


def _adjust(
    ledger: SqlLedger,
    symbol: str,
    local: Decimal,
    remote: Decimal,
    price: Decimal,
    decision_id: str,
    now: datetime,
    reason: str,
) -> AdoptedPosition:
    delta = remote - local
    side = OrderSide.BUY if delta > 0 else OrderSide.SELL
    qty = abs(delta)
    cid = client_order_id_for(ADOPT_THREAD, decision_id, symbol, "adopt")
    intent = OrderIntent(
        client_order_id=cid,
        decision_id=decision_id,
        thread_id=ADOPT_THREAD,
        ticker=symbol,
        side=side,
        qty=qty,
        reference_price=price,
        reduces_position=abs(remote) < abs(local),
        created_at=now,
    )
    ledger.record_intent(intent, str(qty))
    order = Order(
        broker_order_id=f"adopt-{cid}",
        client_order_id=cid,
        ticker=symbol,
        side=side,
        qty=qty,
        status=OrderStatus.FILLED,
        filled_qty=qty,
        filled_avg_price=price,
        submitted_at=now,
        updated_at=now,
    )
    ledger.record_order(order)
    ledger.record_fill(
        Fill(
            broker_order_id=order.broker_order_id,
            client_order_id=cid,
            ticker=symbol,
            side=side,
            qty=qty,
            price=price,
            filled_at=now,
        )
    )
    _audit(ledger, decision_id, symbol, side, qty, now, reason, f"{local}->{remote}", [cid])
    return AdoptedPosition(
        symbol=symbol, ledger_qty=local, broker_qty=remote, client_order_id=cid, price=price
    )


def _adopt_order(
    ledger: SqlLedger,
    order: Order,
    portfolio: PortfolioSnapshot,
    price: Decimal,
    decision_id: str,
    now: datetime,
) -> None:
    """Record a working order placed outside hedgegraph under the adoption thread."""
    position = portfolio.positions.get(order.ticker)
    held = position.qty if position is not None else Decimal(0)
    intent = OrderIntent(
        client_order_id=order.client_order_id,
        decision_id=decision_id,
        thread_id=ADOPT_THREAD,
        ticker=order.ticker,
        side=order.side,
        qty=order.qty,
        order_type=order.order_type,
        limit_price=order.limit_price if order.order_type is OrderType.LIMIT else None,
        reference_price=price,
        reduces_position=(held > 0) == (order.side is OrderSide.SELL) and held != 0,
        created_at=now,
    )
    ledger.record_intent(intent, str(order.qty))
    ledger.record_order(order)


def _audit(
    ledger: SqlLedger,
    decision_id: str,
    symbol: str,
    side: OrderSide,
    qty: Decimal,
    now: datetime,
    reason: str,
    change: str,
    order_ids: list[str],
) -> None:
    decision = TradeDecision(
        decision_id=decision_id,
        ticker=symbol,
        action=TradeAction.BUY if side is OrderSide.BUY else TradeAction.SELL,
        quantity=qty,
        confidence=1.0,
        reasoning=f"operator adopted the broker's book ({change}): {reason}",
        policy=_POLICY,
    )
    ledger.record_decision(
        thread_id=ADOPT_THREAD,
        decision=decision,
        verdicts=(),
        gate_verdict=None,
        inputs_digest=hashlib.sha256(f"{symbol}|{change}|{now.isoformat()}".encode()).hexdigest(),
        model="operator",
        prompt_hash=None,
        order_client_ids=order_ids,
        recorded_at=now,
    )


def _announce(report: AdoptionReport, alerts: AlertDispatcher | None) -> None:
    if not report.changed and not report.unpriced:
        return
    lines = [
        f"{p.symbol}: ledger {p.ledger_qty} -> broker {p.broker_qty}" for p in report.positions
    ]
    lines += [f"order {cid} adopted" for cid in report.orders]
    lines += [f"order {cid} closed: unknown to the broker" for cid in report.closed]
    lines += [f"{s}: left unchanged, no price to book it at" for s in report.unpriced]
    message = f"operator adopted the broker's book ({report.reason}): " + "; ".join(lines)
    log.warning(message)
    if alerts is not None:
        alerts.send(
            Alert(
                severity=EventSeverity.WARNING,
                title="ledger adopted the broker's book",
                message=message,
                at=report.adopted_at,
                key=f"adopt:{report.adopted_at.isoformat()}",
            )
        )
