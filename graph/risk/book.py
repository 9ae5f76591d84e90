"""Running account state while the gate walks a batch of intents in order.

Why: two approvals judged against the same starting snapshot could together break a cap that each
alone respects. The book charges every approval against cash, buying power and exposure before the
next intent is judged. Exits are charged conservatively: they shrink the position they close (so
two exits can never sell more than is held) but free no cash or exposure until they fill.

A bracket entry's take-profit and stop-loss legs are one-cancels-other: the pair protects the
position once, so it is counted once. Protective legs are not exits someone chose: a new exit
replaces them (the execution road cancels them before it sends), so they never stop a
risk-reducing exit, and they are never entries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from domain import Order, OrderSide
from graph.risk.snapshot import GateSnapshot

__all__ = ["ExposureBook"]


@dataclass(slots=True)
class ExposureBook:
    cash: Decimal
    buying_power: Decimal
    gross: Decimal
    net: Decimal
    positions: dict[str, Decimal]
    """Signed quantity per symbol."""
    values: dict[str, Decimal]
    """Signed market value per symbol."""
    pending_exits: dict[str, Decimal] = field(default_factory=dict)
    """Unfilled quantity of working exits that close each position (never closed twice)."""
    protective_exits: dict[str, Decimal] = field(default_factory=dict)
    """Unfilled quantity of resting bracket legs per symbol, each OCO pair counted once."""
    entry_symbols: set[str] = field(default_factory=set)
    """Symbols with a working entry order at the broker or approved earlier in this batch."""
    entry_times: list[datetime] = field(default_factory=list)
    """Entry submissions counted by the order-rate throttle."""
    returns_cache: dict[str, dict[str, float]] = field(default_factory=dict)
    """Daily returns per symbol, computed once per batch (volatility and correlation reuse them)."""

    @classmethod
    def from_snapshot(cls, snapshot: GateSnapshot) -> ExposureBook:
        pf = snapshot.portfolio
        positions = {s: p.qty for s, p in pf.positions.items() if p.qty != 0}
        values = {s: p.market_value for s, p in pf.positions.items() if p.qty != 0}
        working = [o for o in snapshot.open_orders if o.working]
        groups = _oco_groups(working)
        pending = sum(
            (max(_pending_buy_notional(o, snapshot) for o in group) for group in groups),
            Decimal(0),
        )
        entries = {o.ticker for o in working if _is_entry(o, positions)}
        pending_exits: dict[str, Decimal] = {}
        protective: dict[str, Decimal] = {}
        for group in groups:
            first = group[0]
            if _is_entry(first, positions):
                continue
            claims = protective if first.parent_client_order_id is not None else pending_exits
            left = max(o.remaining_qty for o in group)
            claims[first.ticker] = claims.get(first.ticker, Decimal(0)) + left
        return cls(
            cash=pf.cash - pending,
            buying_power=pf.buying_power - pending,
            gross=pf.gross_exposure,
            net=pf.net_exposure,
            positions=positions,
            values=values,
            pending_exits=pending_exits,
            protective_exits=protective,
            entry_symbols=entries,
            entry_times=list(snapshot.risk_state.recent_order_times),
        )

    def held(self, symbol: str) -> Decimal:
        return self.positions.get(symbol, Decimal(0))

    def closable(self, symbol: str) -> Decimal:
        """How much of the position an exit may still close.

        Working exits already claim some; protective bracket legs claim none, because the exit
        replaces them (a risk-reducing exit is always allowed).
        """
        return max(abs(self.held(symbol)) - self.pending_exits.get(symbol, Decimal(0)), Decimal(0))

    def protected(self, symbol: str) -> Decimal:
        """Quantity guarded by resting bracket legs (an OCO pair once)."""
        return self.protective_exits.get(symbol, Decimal(0))

    @property
    def open_position_count(self) -> int:
        return sum(1 for q in self.positions.values() if q != 0)

    def sector_gross(self, sector: str, sectors: dict[str, str]) -> Decimal:
        return sum(
            (abs(v) for s, v in self.values.items() if sectors.get(s, f"symbol:{s}") == sector),
            Decimal(0),
        )

    def charge_exit(self, symbol: str, signed_qty: Decimal) -> None:
        self.positions[symbol] = self.held(symbol) + signed_qty

    def charge_entry(self, symbol: str, signed_qty: Decimal, price: Decimal, at: datetime) -> None:
        notional = abs(signed_qty) * price
        self.cash -= notional
        self.buying_power -= notional
        self.gross += notional
        self.net += signed_qty * price
        self.positions[symbol] = self.held(symbol) + signed_qty
        self.values[symbol] = self.values.get(symbol, Decimal(0)) + signed_qty * price
        self.entry_symbols.add(symbol)
        self.entry_times.append(at)


def _oco_groups(orders: list[Order]) -> list[list[Order]]:
    """Working orders grouped so that the legs of one bracket form one group (OCO: one fills)."""
    groups: dict[str, list[Order]] = {}
    for o in orders:
        key = f"legs:{o.parent_client_order_id}" if o.parent_client_order_id else o.client_order_id
        groups.setdefault(key, []).append(o)
    return list(groups.values())


def _is_entry(order: Order, positions: dict[str, Decimal]) -> bool:
    if order.parent_client_order_id is not None:
        return False  # a protective leg only ever closes what its entry opened
    held = positions.get(order.ticker, Decimal(0))
    if order.side is OrderSide.BUY:
        return held >= 0
    return held <= 0


def _pending_buy_notional(order: Order, snapshot: GateSnapshot) -> Decimal:
    """Cash an open buy order may still consume (limit price, else the latest close)."""
    if order.side is not OrderSide.BUY or not order.working:
        return Decimal(0)
    remaining = order.remaining_qty
    price = order.limit_price
    if price is None:
        data = snapshot.market.get(order.ticker)
        close = data.last_close if data is not None else None
        pos = snapshot.portfolio.positions.get(order.ticker)
        if close is not None:
            price = Decimal(str(close))
        elif pos is not None and pos.market_price is not None:
            price = pos.market_price
        else:
            price = Decimal(0)
    return max(remaining, Decimal(0)) * price
