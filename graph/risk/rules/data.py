"""Data guards: no entry on stale data, an untrusted price, or an asset the broker refuses."""

from __future__ import annotations

from decimal import Decimal

from domain import ReasonCode
from graph.risk.check import Constraint, EntryCheck, dec, veto
from graph.risk.pricing import quote_price

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


def _current_price(check: EntryCheck) -> tuple[Decimal, str] | None:
    """The broker's quote (what the order would pay) when it has one, else the feed's last bar."""
    live = quote_price(check.snapshot.quotes.get(check.intent.ticker), check.intent.side)
    if live is not None:
        return live, "broker_quote"
    data = check.snapshot.market.get(check.intent.ticker)
    if data is None or data.last_close is None or data.last_close <= 0:
        return None
    return Decimal(str(data.last_close)), "latest_bar"


def price_sanity(check: EntryCheck) -> Constraint | None:
    """The decision's price (and any limit) must sit within price_sanity_pct of the current price.

    The current price is the broker's quote when it has one: comparing the decision's reference
    (the feed's last close) with itself would let a stale reference size the order.
    """
    current = _current_price(check)
    if current is None:
        return None  # stale_data vetoes this case with its own code
    close, source = current
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
                f"{label} price is too far from the current price",
                price=price,
                current=close,
                source=source,
                deviation=round(deviation, 6),
                limit=band,
            )
    return None


def asset_tradable(check: EntryCheck) -> Constraint | None:
    """Unknown or unreadable means not tradable: with an asset master the check fails closed."""
    assets = check.snapshot.assets
    if not assets and not check.snapshot.asset_master:
        return None  # no asset master (local paper broker)
    asset = assets.get(check.intent.ticker)
    if asset is None:
        return veto(
            ReasonCode.ASSET_UNKNOWN,
            "the broker's asset master does not know the ticker or could not be read",
            ticker=check.intent.ticker,
        )
    if not asset.tradable or asset.halted:
        return veto(
            ReasonCode.ASSET_NOT_TRADABLE,
            "the broker does not trade this asset now",
            tradable=asset.tradable,
            halted=asset.halted,
        )
    if check.direction < 0 and not asset.shortable:
        return veto(ReasonCode.SHORTING_DISABLED, "the asset is not shortable at the broker")
    return None
