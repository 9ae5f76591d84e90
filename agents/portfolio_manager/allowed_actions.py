"""The envelope the portfolio manager chooses inside: max quantity per action, computed by code.

Why code and not the PM: an LLM (or a rule) picks among actions, but how much is affordable and
permitted is arithmetic over cash, the existing position and the gate's limits. Entries are whole
shares, bounded by cash less the reserve, the position cap, the order-notional cap, the gross and
net exposure caps and the open-position count. Exits (sell a long, cover a short) may close the
whole position: reducing risk is never capped.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

from config.settings import RiskParameters
from domain import AllowedActions, ExposureCaps, PortfolioSnapshot, TradeAction

__all__ = ["InvalidReferencePriceError", "compute_allowed_actions"]

ZERO = Decimal(0)


class InvalidReferencePriceError(ValueError):
    """The reference price is not a positive finite number; no envelope can be computed."""


def _whole_shares(notional: Decimal, price: Decimal) -> Decimal:
    if notional <= 0:
        return ZERO
    return (notional / price).to_integral_value(rounding=ROUND_FLOOR)


def _entry_budget(portfolio: PortfolioSnapshot, caps: ExposureCaps) -> Decimal:
    """Notional any new exposure may use: cash (and buying power) less the reserve, order cap."""
    spendable = min(portfolio.cash, portfolio.buying_power) - caps.cash_reserve
    gross_room = caps.gross - portfolio.gross_exposure
    return min(spendable, caps.order_notional, gross_room)


def compute_allowed_actions(
    ticker: str,
    reference_price: Decimal,
    portfolio: PortfolioSnapshot,
    risk: RiskParameters,
) -> AllowedActions:
    """Buy / sell / short / cover / hold maxima for ``ticker`` at ``reference_price``."""
    if not reference_price.is_finite() or reference_price <= 0:
        raise InvalidReferencePriceError(f"{ticker}: reference price {reference_price} is not > 0")
    held = portfolio.position_qty(ticker)
    equity = portfolio.equity
    # The same money limits the gate reads (one home: RiskParameters.caps_at). With equity <= 0
    # the budget is zero, so no entry is offered whatever the caps say.
    caps = risk.caps_at(equity)
    held_value = abs(held) * reference_price
    opens_new = held == 0
    at_position_limit = (
        opens_new
        and len([p for p in portfolio.positions.values() if p.qty != 0]) >= risk.max_open_positions
    )
    budget = _entry_budget(portfolio, caps) if equity > 0 and not at_position_limit else ZERO

    buy = ZERO
    if held >= 0:
        room = min(budget, caps.position - held_value, caps.net - portfolio.net_exposure)
        buy = _whole_shares(room, reference_price)
    short = ZERO
    if risk.allow_shorts and held <= 0:
        room = min(budget, caps.position - held_value, caps.net + portfolio.net_exposure)
        short = _whole_shares(room, reference_price)
    minimum = Decimal(str(risk.min_order_qty))
    buy = buy if buy >= minimum else ZERO
    short = short if short >= minimum else ZERO
    return AllowedActions(
        ticker=ticker,
        reference_price=reference_price,
        max_qty={
            TradeAction.BUY: buy,
            TradeAction.SELL: held if held > 0 else ZERO,
            TradeAction.SHORT: short,
            TradeAction.COVER: -held if held < 0 else ZERO,
            TradeAction.HOLD: ZERO,
        },
    )
