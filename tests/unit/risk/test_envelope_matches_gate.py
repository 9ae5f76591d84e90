"""The PM's envelope and the risk gate read one set of money limits, so they agree.

Why this matters: when the envelope and the gate did their own arithmetic, the PM could offer a
size the gate then cut (or the gate be loosened to match). Here, for any portfolio and limits, an
oversized buy is cut by the gate to exactly the envelope's maximum, and the envelope's maximum
itself passes the gate untouched.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from agents.portfolio_manager.allowed_actions import compute_allowed_actions
from domain import GateOutcome, OrderSide, TradeAction
from graph.risk.gate import evaluate_intents
from tests.unit.risk.factory import intent, snapshot
from tests.unit.risk.test_gate_properties import PRICES, TICKERS, portfolios, risk_limits

long_only = risk_limits.map(lambda lim: lim.model_copy(update={"allow_shorts": False}))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pf=portfolios(), lim=long_only, ticker=st.sampled_from(TICKERS))
def test_the_gate_cuts_an_oversized_buy_to_the_envelope(pf, lim, ticker) -> None:
    assume(pf.position_qty(ticker) >= 0)  # a buy against a short is a cover, not an entry
    price = Decimal(str(PRICES[ticker]))
    envelope = compute_allowed_actions(ticker, price, pf, lim).max_qty[TradeAction.BUY]
    snap = snapshot(pf, PRICES)
    oversized = intent(ticker, side=OrderSide.BUY, qty="100000", price=str(price))
    (verdict,) = evaluate_intents([oversized], snap, lim)
    assert verdict.approved_qty == envelope, [r.code for r in verdict.reasons]
    if envelope > 0:
        exact = intent(ticker, side=OrderSide.BUY, qty=str(envelope), price=str(price))
        (fits,) = evaluate_intents([exact], snap, lim)
        assert fits.outcome is GateOutcome.APPROVED
        assert fits.approved_qty == envelope
