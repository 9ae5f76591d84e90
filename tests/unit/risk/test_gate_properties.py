"""Property tests: for any portfolio and batch of intents, approvals respect every cap and exits
never exceed the position."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain import GateOutcome, OrderSide, PortfolioSnapshot, Position
from graph.risk.gate import evaluate_intents
from tests.unit.risk.factory import NOW, intent, limits, snapshot

TICKERS = ("AAPL", "MSFT", "NVDA", "TSLA")
PRICES = {"AAPL": 100.0, "MSFT": 250.0, "NVDA": 40.0, "TSLA": 180.0}

qty = st.integers(min_value=1, max_value=2_000).map(Decimal)


@st.composite
def portfolios(draw: st.DrawFn) -> PortfolioSnapshot:
    positions = {}
    for t in draw(st.lists(st.sampled_from(TICKERS), unique=True, max_size=4)):
        q = Decimal(draw(st.integers(min_value=-300, max_value=600)))
        if q != 0:
            p = Decimal(str(PRICES[t]))
            positions[t] = Position(symbol=t, qty=q, avg_entry_price=p, market_price=p)
    cash = Decimal(draw(st.integers(min_value=0, max_value=300_000)))
    value = sum((p.market_value for p in positions.values()), Decimal(0))
    return PortfolioSnapshot(
        as_of=NOW, cash=cash, equity=cash + value, buying_power=cash, positions=positions
    )


@st.composite
def intents(draw: st.DrawFn) -> list:
    out = []
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        t = draw(st.sampled_from(TICKERS))
        drift = Decimal(draw(st.integers(min_value=-30, max_value=30))) / 1000
        out.append(
            intent(
                t,
                side=draw(st.sampled_from(list(OrderSide))),
                qty=str(draw(qty)),
                price=str(Decimal(str(PRICES[t])) * (1 + drift)),
                reduces_position=draw(st.booleans()),
            )
        )
    return out


risk_limits = st.builds(
    lambda shorts, pos, gross, net, n, notional: limits(
        allow_shorts=shorts,
        max_position_pct=pos,
        max_gross_exposure_pct=gross,
        max_net_exposure_pct=net,
        max_open_positions=n,
        max_order_notional=notional,
    ),
    st.booleans(),
    st.sampled_from([0.05, 0.1, 0.3, 1.0]),
    st.sampled_from([0.5, 1.0, 2.0]),
    st.sampled_from([0.3, 1.0]),
    st.integers(min_value=1, max_value=5),
    st.sampled_from([1_000, 25_000, 1e6]),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pf=portfolios(), batch=intents(), lim=risk_limits)
def test_no_approval_breaks_a_cap_and_exits_stay_within_the_position(pf, batch, lim) -> None:
    snap = snapshot(pf, PRICES)
    verdicts = evaluate_intents(batch, snap, lim)
    assert len(verdicts) == len(batch)
    held = {s: p.qty for s, p in pf.positions.items()}
    equity = pf.equity
    cash = pf.cash
    gross = pf.gross_exposure
    net = pf.net_exposure
    dec = lambda x: Decimal(str(x))  # noqa: E731
    for v in verdicts:
        assert v.approved_qty <= v.intent.qty
        assert (v.outcome is GateOutcome.VETOED) == (v.approved_qty == 0)
        t = v.intent.ticker
        sign = 1 if v.intent.side is OrderSide.BUY else -1
        h = held.get(t, Decimal(0))
        closing = min(v.approved_qty, abs(h)) if h != 0 and (h > 0) != (sign > 0) else Decimal(0)
        opening = v.approved_qty - closing
        if v.intent.reduces_position:
            assert opening == 0, "an exit never exceeds the position"
        if not lim.allow_shorts:
            assert h + sign * v.approved_qty >= 0 or h < 0, "no short and no flip through zero"
            if h < 0:
                assert h + sign * v.approved_qty <= 0
        if opening > 0:
            price = v.intent.reference_price
            notional = opening * price
            after = abs(h + sign * v.approved_qty)
            assert equity > 0
            assert notional <= dec(lim.max_order_notional)
            assert after * price <= dec(lim.max_position_pct) * equity
            assert notional <= cash - dec(lim.min_cash_reserve_pct) * equity
            assert gross + notional <= dec(lim.max_gross_exposure_pct) * equity
            net_after = abs(net + sign * notional)
            # within the net cap, or moving net exposure back towards it
            assert net_after <= dec(lim.max_net_exposure_pct) * equity or net_after < abs(net)
            cash -= notional
            gross += notional
            net += sign * notional
        held[t] = h + sign * v.approved_qty
    open_now = sum(1 for q in held.values() if q != 0)
    started = sum(1 for p in pf.positions.values() if p.qty != 0)
    assert open_now <= max(lim.max_open_positions, started)


@st.composite
def working_exits(draw: st.DrawFn, pf: PortfolioSnapshot) -> tuple:
    from domain import Order, OrderStatus

    out = []
    for symbol, pos in pf.positions.items():
        if draw(st.booleans()):
            qty = Decimal(draw(st.integers(min_value=1, max_value=int(abs(pos.qty)))))
            out.append(
                Order(
                    broker_order_id=f"b-{symbol}",
                    client_order_id=f"c-{symbol}",
                    ticker=symbol,
                    side=OrderSide.SELL if pos.qty > 0 else OrderSide.BUY,
                    qty=qty,
                    status=OrderStatus.NEW,
                    submitted_at=NOW,
                )
            )
    return tuple(out)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), batch=intents())
def test_exits_and_working_exits_together_never_exceed_the_position(data, batch) -> None:
    pf = data.draw(portfolios())
    working = data.draw(working_exits(pf))
    snap = snapshot(pf, PRICES, open_orders=working)
    exits = [i.model_copy(update={"reduces_position": True}) for i in batch]
    verdicts = evaluate_intents(exits, snap, limits())
    claimed = {o.ticker: o.qty for o in working}
    for v in verdicts:
        claimed[v.intent.ticker] = claimed.get(v.intent.ticker, Decimal(0)) + v.approved_qty
    for symbol, qty in claimed.items():
        assert qty <= abs(pf.position_qty(symbol)), symbol
