"""Sizing caps: order notional, position (volatility/correlation adjusted), sector, cash, buying
power, gross and net exposure, open-position count. Each returns the largest opening it allows."""

from __future__ import annotations

from decimal import Decimal

from domain import ReasonCode
from graph.risk.check import Constraint, EntryCheck, reason, veto
from graph.risk.volatility import position_scale

__all__ = [
    "buying_power",
    "cash_reserve",
    "gross_exposure",
    "max_open_positions",
    "net_exposure",
    "order_notional",
    "position_size",
    "sector_exposure",
]


def _cap(
    check: EntryCheck, qty: Decimal, code: ReasonCode, message: str, **ctx: object
) -> Constraint | None:
    if qty >= check.opening_qty:
        return None
    return Constraint(
        max(qty, Decimal(0)), reason(code, message, requested=check.opening_qty, allowed=qty, **ctx)
    )


def order_notional(check: EntryCheck) -> Constraint | None:
    cap = check.caps.order_notional
    return _cap(
        check, check.qty_for(cap), ReasonCode.ORDER_NOTIONAL_CAP, "order notional cap", cap=cap
    )


def position_size(check: EntryCheck) -> Constraint | None:
    """|position after| * price <= max_position_pct * equity, shrunk for volatility/correlation."""
    scale = position_scale(check)
    cap = check.caps.position * scale.factor
    allowed = check.qty_for(cap) - check.residual_qty
    code = ReasonCode.POSITION_SIZE_CAP if scale.code is None else scale.code
    return _cap(
        check, allowed, code, "position size cap", cap=cap, scale=scale.factor, why=scale.why
    )


def sector_exposure(check: EntryCheck) -> Constraint | None:
    sectors = check.snapshot.sectors
    sector = sectors.get(check.intent.ticker)
    if sector is None:
        return None  # its own bucket: the position cap already bounds it
    cap = check.caps.sector
    used = check.book.sector_gross(sector, sectors)
    return _cap(
        check,
        check.qty_for(cap - used),
        ReasonCode.SECTOR_CAP,
        "sector cap",
        sector=sector,
        cap=cap,
        used=used,
    )


def cash_reserve(check: EntryCheck) -> Constraint | None:
    """Entries may spend cash down to min_cash_reserve_pct of equity (open buys already charged)."""
    reserve = check.caps.cash_reserve
    spendable = check.book.cash - reserve
    return _cap(
        check,
        check.qty_for(spendable),
        ReasonCode.INSUFFICIENT_CASH,
        "cash after reserve",
        cash=check.book.cash,
        reserve=reserve,
    )


def buying_power(check: EntryCheck) -> Constraint | None:
    available = check.book.buying_power
    return _cap(
        check,
        check.qty_for(available),
        ReasonCode.BUYING_POWER,
        "buying power incl. open orders",
        available=available,
    )


def gross_exposure(check: EntryCheck) -> Constraint | None:
    cap = check.caps.gross
    return _cap(
        check,
        check.qty_for(cap - check.book.gross),
        ReasonCode.GROSS_EXPOSURE_CAP,
        "gross exposure cap",
        cap=cap,
        gross=check.book.gross,
    )


def net_exposure(check: EntryCheck) -> Constraint | None:
    cap = check.caps.net
    room = cap - check.book.net if check.direction > 0 else cap + check.book.net
    return _cap(
        check,
        check.qty_for(room),
        ReasonCode.NET_EXPOSURE_CAP,
        "net exposure cap",
        cap=cap,
        net=check.book.net,
    )


def max_open_positions(check: EntryCheck) -> Constraint | None:
    if check.residual_qty > 0:
        return None  # adds to a position already counted
    count = check.book.open_position_count
    if count >= check.limits.max_open_positions:
        return veto(
            ReasonCode.MAX_OPEN_POSITIONS,
            "too many open positions",
            open=count,
            limit=check.limits.max_open_positions,
        )
    return None
