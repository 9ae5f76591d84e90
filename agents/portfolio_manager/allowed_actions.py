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
from domain import AllowedActions, PortfolioSnapshot, TradeAction

__all__ = ["InvalidReferencePriceError", "compute_allowed_actions"]

ZERO = Decimal(0)


class InvalidReferencePriceError(ValueError):
    """The reference price is not a positive finite number; no envelope can be computed."""


def _whole_shares(notional: Decimal, price: Decimal) -> Decimal:
    if notional <= 0:
        return ZERO
    return (notional / price).to_integral_value(rounding=ROUND_FLOOR)


def _pct(value: Decimal, fraction: float) -> Decimal:
    return value * Decimal(str(fraction))


def _entry_budget(portfolio: PortfolioSnapshot, risk: RiskParameters) -> Decimal:
    """Notional any new exposure may use: cash (and buying power) less the reserve, order cap."""
    reserve = _pct(max(portfolio.equity, ZERO), risk.min_cash_reserve_pct)
    spendable = min(portfolio.cash, portfolio.buying_power) - reserve
    gross_room = _pct(portfolio.equity, risk.max_gross_exposure_pct) - portfolio.gross_exposure
    return min(spendable, Decimal(str(risk.max_order_notional)), gross_room)


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
    position_cap = _pct(max(equity, ZERO), risk.max_position_pct)
    held_value = abs(held) * reference_price
    opens_new = held == 0
    at_position_limit = (
        opens_new
        and len([p for p in portfolio.positions.values() if p.qty != 0]) >= risk.max_open_positions
    )
    budget = _entry_budget(portfolio, risk) if equity > 0 and not at_position_limit else ZERO
    net_limit = _pct(equity, risk.max_net_exposure_pct)

    buy = ZERO
    if held >= 0:
        room = min(budget, position_cap - held_value, net_limit - portfolio.net_exposure)
        buy = _whole_shares(room, reference_price)
    short = ZERO
    if risk.allow_shorts and held <= 0:
        room = min(budget, position_cap - held_value, net_limit + portfolio.net_exposure)
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
