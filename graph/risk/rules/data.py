"""Data guards: no entry on stale data, an untrusted price, or an asset the broker refuses."""

from __future__ import annotations

from decimal import Decimal

from domain import ReasonCode
from graph.risk.check import Constraint, EntryCheck, dec, veto

__all__ = ["asset_tradable", "price_sanity", "stale_data"]


def stale_data(check: EntryCheck) -> Constraint | None:
    data = check.snapshot.market.get(check.intent.ticker)
    if data is None:
        return veto(ReasonCode.STALE_DATA, "no market data for the symbol")
    if not data.quality.tradable:
        return veto(
            ReasonCode.STALE_DATA,
            "market data failed its quality checks",
            issues=",".join(data.quality.issues),
        )
    if data.last_close is None or data.last_close <= 0:
        return veto(ReasonCode.NO_TRUSTED_PRICE, "no trusted latest close")
    return None


def price_sanity(check: EntryCheck) -> Constraint | None:
    """The decision's price (and any limit) must sit within price_sanity_pct of the latest close."""
    data = check.snapshot.market.get(check.intent.ticker)
    if data is None or data.last_close is None or data.last_close <= 0:
        return None  # stale_data vetoes this case with its own code
    close = Decimal(str(data.last_close))
    band = dec(check.limits.price_sanity_pct)
    for label, price in (
        ("reference", check.intent.reference_price),
        ("limit", check.intent.limit_price),
    ):
        if price is None:
            continue
        deviation = abs(price / close - 1)
        if deviation > band:
            return veto(
                ReasonCode.PRICE_SANITY,
                f"{label} price is too far from the latest close",
                price=price,
                last_close=close,
                deviation=round(deviation, 6),
                limit=band,
            )
    return None


def asset_tradable(check: EntryCheck) -> Constraint | None:
    assets = check.snapshot.assets
    if not assets:
        return None  # no asset master (local paper broker)
    asset = assets.get(check.intent.ticker)
    if asset is None or not asset.tradable or asset.halted:
        return veto(
            ReasonCode.ASSET_NOT_TRADABLE,
            "the broker does not trade this asset now",
            known=asset is not None,
            halted=asset.halted if asset else "unknown",
        )
    if check.direction < 0 and not asset.shortable:
        return veto(ReasonCode.SHORTING_DISABLED, "the asset is not shortable at the broker")
    return None
