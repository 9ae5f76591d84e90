"""The price an entry is sized at: the worst of the decision's price, its limit and the live quote.

Why one function: the gate sizes with it, and execution rebases the order's protective stop and
target on it, so a buy sized at the broker's ask gets a stop 5 % below that ask, not 5 % below the
data feed's older close. Without a usable quote (local paper broker, quote endpoint down) the
decision's own reference price stands.
"""

from __future__ import annotations

from decimal import Decimal

from domain import OrderIntent, OrderSide, Quote

__all__ = ["quote_price", "rebase_levels", "sizing_price"]


def quote_price(quote: Quote | None, side: OrderSide) -> Decimal | None:
    """What the order would pay (the ask for a buy, the bid for a sell); ``None`` if unusable."""
    if quote is None or quote.bid <= 0 or quote.ask <= 0 or quote.ask < quote.bid:
        return None
    return Decimal(str(quote.ask if side is OrderSide.BUY else quote.bid))


def sizing_price(intent: OrderIntent, quote: Quote | None = None) -> Decimal:
    """Worst-case price per share for caps: never below the reference, the buy limit or the quote.

    Higher is the conservative side for every cap (fewer shares fit under a notional).
    """
    prices = [intent.reference_price]
    if intent.side is OrderSide.BUY and intent.limit_price is not None:
        prices.append(intent.limit_price)
    live = quote_price(quote, intent.side)
    if live is not None:
        prices.append(live)
    return max(prices)


def rebase_levels(intent: OrderIntent, price: Decimal) -> OrderIntent:
    """``intent`` with its stop and target moved to the same distance from ``price``.

    The decision set its levels around its reference price; once the order is sized at a
    different (live) price, a stop "5 % below" must mean 5 % below that price.
    """
    ref = intent.reference_price
    if price == ref or (intent.stop_loss is None and intent.take_profit is None):
        return intent
    scale = price / ref
    cent = Decimal("0.01")
    return intent.model_copy(
        update={
            "stop_loss": (intent.stop_loss * scale).quantize(cent) if intent.stop_loss else None,
            "take_profit": (intent.take_profit * scale).quantize(cent)
            if intent.take_profit
            else None,
        }
    )
