"""The PM's envelope: scenario table over cash, reserve, caps, positions and shorts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from agents.portfolio_manager import InvalidReferencePriceError, compute_allowed_actions
from domain import TradeAction
from tests.unit.agents._factories import portfolio, risk

B, S, SH, C, H = (
    TradeAction.BUY,
    TradeAction.SELL,
    TradeAction.SHORT,
    TradeAction.COVER,
    TradeAction.HOLD,
)

# equity 100k: position cap 10% = 10k, reserve 2% = 2k, order cap 25k
SCENARIOS = [
    (
        "flat, plenty of cash: the position cap binds",
        portfolio(),
        {},
        "100",
        {B: 100, S: 0, SH: 0, C: 0},
    ),
    ("cash less reserve binds", portfolio(cash="3000", equity="100000"), {}, "100", {B: 10}),
    ("cash below reserve: no entry", portfolio(cash="1500", equity="100000"), {}, "100", {B: 0}),
    (
        "order notional cap binds",
        portfolio(cash="1000000"),
        {"max_position_pct": 0.5},
        "100",
        {B: 250},
    ),
    ("whole shares only", portfolio(), {}, "333", {B: 30}),
    ("price above the cap: nothing", portfolio(), {}, "20000", {B: 0}),
    (
        "existing long: room left and a full exit",
        portfolio(cash="94000", positions={"TEST": ("60", "100")}),
        {},
        "100",
        {B: 40, S: 60, SH: 0, C: 0},
    ),
    (
        "long at the cap: sell only",
        portfolio(cash="90000", positions={"TEST": ("100", "100")}),
        {},
        "100",
        {B: 0, S: 100},
    ),
    ("shorts off by default", portfolio(), {}, "100", {SH: 0}),
    ("shorts on when allowed", portfolio(), {"allow_shorts": True}, "100", {SH: 100, B: 100}),
    (
        "existing short: cover all, no buy",
        portfolio(cash="105000", positions={"TEST": ("-50", "100")}),
        {"allow_shorts": True},
        "100",
        {C: 50, B: 0, S: 0, SH: 50},
    ),
    (
        "open-position limit blocks a new name, not an exit",
        portfolio(positions={"AAA": ("1", "10"), "BBB": ("1", "10")}),
        {"max_open_positions": 2},
        "100",
        {B: 0, SH: 0},
    ),
    (
        "gross exposure cap binds",
        portfolio(cash="20000", equity="100000", positions={"AAA": ("950", "100")}),
        {"max_position_pct": 0.5},
        "100",
        {B: 50},
    ),
    (
        "min order qty",
        portfolio(cash="2500", equity="100000"),
        {"min_order_qty": 10},
        "100",
        {B: 0},
    ),
]


@pytest.mark.parametrize(
    ("title", "snapshot", "risk_overrides", "price", "expected"),
    SCENARIOS,
    ids=[s[0] for s in SCENARIOS],
)
def test_envelope(
    title: str,
    snapshot: object,
    risk_overrides: dict[str, object],
    price: str,
    expected: dict[TradeAction, int],
) -> None:
    allowed = compute_allowed_actions("TEST", Decimal(price), snapshot, risk(**risk_overrides))  # type: ignore[arg-type]
    for action, qty in expected.items():
        assert allowed.limit(action) == Decimal(qty), (title, action)
    assert allowed.limit(H) == 0
    for action in TradeAction:
        limit = allowed.limit(action)
        assert limit >= 0 and limit == limit.to_integral_value()


@pytest.mark.parametrize("price", ["0", "-5", "NaN", "Infinity"])
def test_bad_reference_price_is_a_typed_error(price: str) -> None:
    with pytest.raises(InvalidReferencePriceError, match="TEST"):
        compute_allowed_actions("TEST", Decimal(price), portfolio(), risk())
