"""The backtest's broker: an in-memory exchange that fills orders on the next session's bar.

Why a broker of its own and not the paper broker: the paper broker fills a market order at once at
the last close, the very price that produced the signal, which is the look-ahead that makes most
backtests look better than trading could. Here an order submitted during the cycle rests until the
session loop hands the broker that session's bar (``trade_session``), and then:

- a market order fills at the bar's open, plus ``slippage_bps`` against the order (buys pay more,
  sells get less); a limit order fills at its limit (or the open when the open is already better)
  when the bar's range reaches it; a stop order fills once the range reaches its stop, at the stop
  plus slippage, or at the open plus slippage when the bar gaps through it;
- an entry carrying a stop-loss and a take-profit becomes a bracket, as at a real broker: once it
  fills, two one-cancels-other legs rest (they show in ``open_orders`` with the entry as their
  parent) and are worked on every bar from the fill's bar on. When one bar reaches both levels the
  stop is assumed to have come first (the conservative reading of a daily bar);
- every fill pays ``commission_per_share`` times its quantity, out of cash;
- a day order that did not fill (no bar for its ticker, or its limit or stop not reached) expires
  at the end of the session; a buy the cash (commission included) cannot pay for is rejected,
  like the paper broker does.

Between sessions ``mark`` sets the prices positions are valued and quoted at (the last closes the
backtest's clock may know), so ``portfolio`` and ``latest_quote`` answer the same questions the
paper broker answers during a live cycle. Submit is idempotent on ``client_order_id`` like every
broker here, so the one execution road works unchanged against it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from domain import (
    Bar,
    Order,
    OrderIntent,
    OrderLeg,
    OrderSide,
    OrderStatus,
    OrderType,
    PortfolioSnapshot,
    Position,
    Quote,
    TimeInForce,
)
from tools.brokers.base import BrokerError, OrderRejectedError
from tools.clock import Clock

__all__ = ["FillReason", "SimulatedBroker", "SimulatedFill"]

_PRICE_QUANTUM = Decimal("0.0001")
_BPS = Decimal(10_000)


class FillReason(StrEnum):
    """Why a fill happened, for the trade list."""

    OPEN = "open"
    """A market order filled at the session's open."""
    LIMIT = "limit"
    STOP = "stop"
    STOP_LOSS = "stop_loss"
    TAKE_PROFIT = "take_profit"


@dataclass(frozen=True, slots=True)
class SimulatedFill:
    """One fill with what it cost: the trade list and the statistics are built from these."""

    order: Order
    """The order as it stands after this fill."""
    qty: Decimal
    price: Decimal
    commission: Decimal
    at: datetime
    reason: FillReason
    gapped: bool = False
    """True when a stop or target was gapped through and filled at the open instead."""


@dataclass(slots=True)
class _Working:
    """A resting order and the levels the exchange works it with."""

    order: Order
    stop: Decimal | None = None
    """Trigger price of a stop order or a stop-loss leg."""
    bracket: tuple[Decimal, Decimal] | None = None
    """(stop_loss, take_profit) of an entry: legs are created when it fills."""
    time_in_force: TimeInForce = TimeInForce.DAY


def _leg_id(parent: str, leg: OrderLeg) -> str:
    return "hg-leg-" + hashlib.sha256(f"{parent}|{leg.value}".encode()).hexdigest()[:26]


def _broker_id(client_order_id: str) -> str:
    return "sim-" + hashlib.sha256(client_order_id.encode()).hexdigest()[:24]


class SimulatedBroker:
    """An in-memory cash account whose orders fill on the bars the session loop hands it."""

    name = "simulated"

    def __init__(
        self,
        *,
        starting_cash: Decimal,
        clock: Clock,
        slippage_bps: float = 0.0,
        commission_per_share: Decimal = Decimal(0),
    ) -> None:
        if starting_cash <= 0:
            raise ValueError("starting_cash must be positive")
        if not 0 <= slippage_bps <= 500:
            raise ValueError("slippage_bps must be within [0, 500]")
        if commission_per_share < 0:
            raise ValueError("commission_per_share must not be negative")
        self._clock = clock
        self._slip = Decimal(str(slippage_bps)) / _BPS
        self._commission = Decimal(str(commission_per_share))
        self._cash = Decimal(str(starting_cash))
        self._positions: dict[str, tuple[Decimal, Decimal]] = {}
        """symbol -> (signed qty, average entry price)"""
        self._orders: dict[str, Order] = {}
        """Every order by client id, in submission order."""
        self._working: dict[str, _Working] = {}
        self._marks: dict[str, Decimal] = {}
        self._fills: list[SimulatedFill] = []

    # -- reads ---------------------------------------------------------------------------------

    @property
    def cash(self) -> Decimal:
        return self._cash

    @property
    def fills(self) -> tuple[SimulatedFill, ...]:
        """Every fill so far, oldest first."""
        return tuple(self._fills)

    def portfolio(self) -> PortfolioSnapshot:
        positions = {
            symbol: Position(
                symbol=symbol, qty=qty, avg_entry_price=avg, market_price=self._marks.get(symbol)
            )
            for symbol, (qty, avg) in self._positions.items()
            if qty != 0
        }
        equity = self._cash + sum((p.market_value for p in positions.values()), Decimal(0))
        return PortfolioSnapshot(
            as_of=self._clock.now(),
            cash=self._cash,
            equity=equity,
            buying_power=max(self._cash, Decimal(0)),
            positions=positions,
            account_id="backtest",
        )

    def latest_quote(self, symbol: str) -> Quote | None:
        """The mark (the last close the clock knows) as a zero-spread quote, as the paper broker
        quotes its price source; ``None`` for a symbol never marked."""
        mark = self._marks.get(symbol)
        if mark is None:
            return None
        price = float(mark)
        return Quote(
            ticker=symbol, ts=self._clock.now(), bid=price, ask=price, bid_size=0, ask_size=0
        )

    def get_order_by_client_id(self, client_order_id: str) -> Order | None:
        return self._orders.get(client_order_id)

    def open_orders(self) -> list[Order]:
        return [w.order for w in self._working.values()]

    def all_orders(self) -> list[Order]:
        return list(self._orders.values())

    # -- writes --------------------------------------------------------------------------------

    def submit_order(self, intent: OrderIntent, qty: Decimal) -> Order:
        if qty <= 0:
            raise OrderRejectedError(f"quantity must be positive, got {qty}")
        existing = self._orders.get(intent.client_order_id)
        if existing is not None:
            return existing
        if intent.order_type is OrderType.STOP and intent.stop_loss is None:
            raise OrderRejectedError(f"stop order {intent.client_order_id} has no stop_loss price")
        if intent.order_type is OrderType.LIMIT and intent.limit_price is None:
            raise OrderRejectedError(f"limit order {intent.client_order_id} has no limit price")
        now = self._clock.now()
        order = Order(
            broker_order_id=_broker_id(intent.client_order_id),
            client_order_id=intent.client_order_id,
            ticker=intent.ticker,
            side=intent.side,
            qty=qty,
            order_type=intent.order_type,
            status=OrderStatus.NEW,
            limit_price=intent.limit_price if intent.order_type is OrderType.LIMIT else None,
            submitted_at=now,
            updated_at=now,
        )
        bracket = None
        if (
            not intent.reduces_position
            and intent.stop_loss is not None
            and intent.take_profit is not None
            and intent.order_type is not OrderType.STOP
        ):
            bracket = (intent.stop_loss, intent.take_profit)
        self._orders[order.client_order_id] = order
        self._working[order.client_order_id] = _Working(
            order=order,
            stop=intent.stop_loss if intent.order_type is OrderType.STOP else None,
            bracket=bracket,
            time_in_force=intent.time_in_force,
        )
        return order

    def cancel_order(self, broker_order_id: str) -> None:
        """Cancel a working order (and a bracket's other leg); a closed order is left alone."""
        for cid, working in list(self._working.items()):
            if working.order.broker_order_id == broker_order_id:
                self._close(cid, OrderStatus.CANCELED, self._clock.now())
                return
        if not any(o.broker_order_id == broker_order_id for o in self._orders.values()):
            raise BrokerError(f"simulated broker has no order {broker_order_id}")

    def mark(self, prices: Mapping[str, Decimal]) -> None:
        """Value positions and quote symbols at ``prices`` (the last closes known now)."""
        self._marks.update(prices)

    def trade_session(
        self, bars: Mapping[str, Bar], *, opened_at: datetime, closed_at: datetime
    ) -> list[SimulatedFill]:
        """Work every resting order against this session's bars; the fills, in order.

        Orders on a symbol without a bar this session wait (GTC) or expire (day orders); a bar
        closes the session at its close, which becomes the symbol's mark.
        """
        fills: list[SimulatedFill] = []
        for cid in [c for c, w in self._working.items() if w.order.parent_client_order_id is None]:
            working = self._working.get(cid)
            if working is None:
                continue
            bar = bars.get(working.order.ticker)
            if bar is None:
                if working.time_in_force is TimeInForce.DAY:
                    self._close(cid, OrderStatus.EXPIRED, closed_at)
                continue
            fill = self._work(working, bar, opened_at, closed_at)
            if fill is not None:
                fills.append(fill)
            elif working.time_in_force is TimeInForce.DAY:  # not reached today: the day ends it
                self._close(cid, OrderStatus.EXPIRED, closed_at)
        legs = [c for c, w in self._working.items() if w.order.parent_client_order_id]
        legs.sort(key=lambda c: self._working[c].stop is None)  # a stop before its target
        for cid in legs:
            working = self._working.get(cid)
            if working is None:  # its sibling filled first on this bar
                continue
            bar = bars.get(working.order.ticker)
            if bar is not None:
                fill = self._work(working, bar, opened_at, closed_at)
                if fill is not None:
                    fills.append(fill)
        for symbol, bar in bars.items():
            self._marks[symbol] = Decimal(str(bar.close))
        return fills

    # -- internals -----------------------------------------------------------------------------

    def _slipped(self, price: Decimal, side: OrderSide) -> Decimal:
        factor = Decimal(1) + self._slip if side is OrderSide.BUY else Decimal(1) - self._slip
        return (price * factor).quantize(_PRICE_QUANTUM)

    def _work(
        self, working: _Working, bar: Bar, opened_at: datetime, closed_at: datetime
    ) -> SimulatedFill | None:
        order = working.order
        side = order.side
        opening = Decimal(str(bar.open))
        high, low = Decimal(str(bar.high)), Decimal(str(bar.low))
        is_leg = order.parent_client_order_id is not None
        if order.order_type is OrderType.MARKET:
            return self._fill(working, self._slipped(opening, side), opened_at, FillReason.OPEN)
        if working.stop is not None:  # a stop order or a stop-loss leg
            stop = working.stop
            gapped = opening <= stop if side is OrderSide.SELL else opening >= stop
            reached = low <= stop if side is OrderSide.SELL else high >= stop
            if not reached:
                return None
            reason = FillReason.STOP_LOSS if is_leg else FillReason.STOP
            trigger = opening if gapped else stop
            at = opened_at if gapped else closed_at
            return self._fill(working, self._slipped(trigger, side), at, reason, gapped=gapped)
        limit = order.limit_price
        assert limit is not None  # submit refuses a limit order without one
        better = opening <= limit if side is OrderSide.BUY else opening >= limit
        reached = low <= limit if side is OrderSide.BUY else high >= limit
        if not reached:
            return None
        reason = FillReason.TAKE_PROFIT if is_leg else FillReason.LIMIT
        price = opening if better else limit
        at = opened_at if better else closed_at
        return self._fill(working, price.quantize(_PRICE_QUANTUM), at, reason, gapped=better)

    def _fill(
        self,
        working: _Working,
        price: Decimal,
        at: datetime,
        reason: FillReason,
        *,
        gapped: bool = False,
    ) -> SimulatedFill | None:
        order = working.order
        qty = order.remaining_qty
        if order.parent_client_order_id is not None:  # a leg closes at most what is still held
            held = self._positions.get(order.ticker, (Decimal(0), Decimal(0)))[0]
            qty = min(qty, abs(held))
            if qty <= 0:
                self._close(order.client_order_id, OrderStatus.CANCELED, at)
                return None
        commission = qty * self._commission
        signed = qty if order.side is OrderSide.BUY else -qty
        if order.side is OrderSide.BUY and qty * price + commission > self._cash:
            held = self._positions.get(order.ticker, (Decimal(0), Decimal(0)))[0]
            if held >= 0:  # an entry the cash cannot pay for; covering a short always goes
                self._close(order.client_order_id, OrderStatus.REJECTED, at)
                return None
        self._cash -= signed * price + commission
        self._apply_position(order.ticker, signed, price)
        filled = order.model_copy(
            update={
                "status": OrderStatus.FILLED,
                "filled_qty": order.filled_qty + qty,
                "filled_avg_price": price,
                "updated_at": at,
            }
        )
        self._orders[order.client_order_id] = filled
        del self._working[order.client_order_id]
        fill = SimulatedFill(
            order=filled,
            qty=qty,
            price=price,
            commission=commission,
            at=at,
            reason=reason,
            gapped=gapped,
        )
        self._fills.append(fill)
        if order.parent_client_order_id is not None:
            self._cancel_siblings(order, at)
        elif working.bracket is not None:
            self._open_legs(filled, working.bracket)
        self._trim_legs(order.ticker, at)
        return fill

    def _open_legs(self, entry: Order, levels: tuple[Decimal, Decimal]) -> None:
        stop, target = levels
        side = OrderSide.SELL if entry.side is OrderSide.BUY else OrderSide.BUY
        at = entry.updated_at or entry.submitted_at
        legs = []
        for leg, order_type, limit in (
            (OrderLeg.TAKE_PROFIT, OrderType.LIMIT, target),
            (OrderLeg.STOP_LOSS, OrderType.STOP, None),
        ):
            cid = _leg_id(entry.client_order_id, leg)
            order = Order(
                broker_order_id=_broker_id(cid),
                client_order_id=cid,
                ticker=entry.ticker,
                side=side,
                qty=entry.filled_qty,
                order_type=order_type,
                status=OrderStatus.NEW,
                limit_price=limit,
                submitted_at=at,
                updated_at=at,
                parent_client_order_id=entry.client_order_id,
                leg=leg,
            )
            self._orders[cid] = order
            self._working[cid] = _Working(
                order=order,
                stop=stop if leg is OrderLeg.STOP_LOSS else None,
                time_in_force=TimeInForce.GTC,
            )
            legs.append(order)
        self._orders[entry.client_order_id] = entry.model_copy(update={"legs": tuple(legs)})

    def _cancel_siblings(self, leg: Order, at: datetime) -> None:
        for cid, working in list(self._working.items()):
            if working.order.parent_client_order_id == leg.parent_client_order_id:
                self._close(cid, OrderStatus.CANCELED, at)

    def _trim_legs(self, symbol: str, at: datetime) -> None:
        """Legs never guard more than is held: a position closed by another order ends them."""
        held = self._positions.get(symbol, (Decimal(0), Decimal(0)))[0]
        for cid, working in list(self._working.items()):
            order = working.order
            if order.ticker != symbol or order.parent_client_order_id is None:
                continue
            closes_long = order.side is OrderSide.SELL and held > 0
            closes_short = order.side is OrderSide.BUY and held < 0
            if not (closes_long or closes_short):
                self._close(cid, OrderStatus.CANCELED, at)

    def _close(self, cid: str, status: OrderStatus, at: datetime) -> None:
        working = self._working.pop(cid, None)
        if working is None:
            return
        self._orders[cid] = working.order.model_copy(update={"status": status, "updated_at": at})
        if working.order.parent_client_order_id is not None and status is OrderStatus.CANCELED:
            self._cancel_siblings(working.order, at)

    def _apply_position(self, symbol: str, signed: Decimal, price: Decimal) -> None:
        held, avg = self._positions.get(symbol, (Decimal(0), Decimal(0)))
        new_qty = held + signed
        if held == 0 or ((held > 0) != (new_qty > 0) and new_qty != 0):
            avg = price  # opened afresh or flipped through zero
        elif (held > 0) == (signed > 0):
            avg = ((held * avg + signed * price) / new_qty).quantize(_PRICE_QUANTUM)
        if new_qty == 0:
            self._positions.pop(symbol, None)
        else:
            self._positions[symbol] = (new_qty, avg)
