"""Scenario table: one or more rows per gate rule, each with its reason code and expected size."""

from __future__ import annotations

import itertools
import math
import statistics
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from domain import (
    AssetStatus,
    GateOutcome,
    Order,
    OrderSide,
    OrderStatus,
    OrderType,
    Quote,
    ReasonCode,
    TradingStateRecord,
    TradingStatus,
)
from graph.risk.gate import evaluate_intents
from graph.risk.snapshot import AccountRiskState
from tests.unit.risk.factory import NOW, intent, limits, portfolio, snapshot

SELL = OrderSide.SELL
HALTED = TradingStateRecord(status=TradingStatus.HALTED, reason="operator")
REDUCING = TradingStateRecord(status=TradingStatus.REDUCING, reason="drawdown")
LONG_AAPL = portfolio("90000", {"AAPL": ("100", "100")})
SHORT_AAPL = portfolio("110000", {"AAPL": ("-50", "100")})


def _open_buy(ticker: str, qty: str, limit: str | None = None) -> Order:
    return Order(
        broker_order_id=f"b-{ticker}",
        client_order_id=f"c-{ticker}",
        ticker=ticker,
        side=OrderSide.BUY,
        qty=Decimal(qty),
        order_type=OrderType.LIMIT if limit else OrderType.MARKET,
        limit_price=Decimal(limit) if limit else None,
        status=OrderStatus.NEW,
        submitted_at=NOW,
    )


def _quote(*, bid: float, ask: float) -> Quote:
    return Quote(ticker="AAPL", ts=NOW, bid=bid, ask=ask, bid_size=100.0, ask_size=100.0)


@dataclass
class Row:
    name: str
    outcome: GateOutcome
    qty: str
    code: ReasonCode | None = None
    intent_kw: dict[str, Any] = field(default_factory=dict)
    snap_kw: dict[str, Any] = field(default_factory=dict)
    limit_kw: dict[str, Any] = field(default_factory=dict)


A, R, V = GateOutcome.APPROVED, GateOutcome.RESIZED, GateOutcome.VETOED
ROWS = [
    Row("plain entry inside every cap", A, "10"),
    Row(
        "position cap resizes to whole shares",
        R,
        "100",
        ReasonCode.POSITION_SIZE_CAP,
        {"qty": "150"},
    ),
    Row(
        "position cap counts the existing position",
        V,
        "0",
        ReasonCode.POSITION_SIZE_CAP,
        {"qty": "5"},
        {"pf": LONG_AAPL},
    ),
    Row(
        "order notional cap",
        R,
        "50",
        ReasonCode.ORDER_NOTIONAL_CAP,
        {"qty": "80"},
        {},
        {"max_order_notional": 5000, "max_position_pct": 0.5},
    ),
    Row(
        "cash reserve",
        R,
        "30",
        ReasonCode.INSUFFICIENT_CASH,
        {"qty": "60"},
        {"pf": portfolio("5000", {"MSFT": ("950", "100")})},
        {"max_position_pct": 1.0, "max_gross_exposure_pct": 4},
    ),
    Row(
        "gross exposure cap",
        R,
        "20",
        ReasonCode.GROSS_EXPOSURE_CAP,
        {"qty": "50"},
        {"pf": portfolio("20000", {"MSFT": ("800", "100")})},
        {"max_gross_exposure_pct": 0.82, "min_cash_reserve_pct": 0},
    ),
    Row(
        "net exposure cap",
        R,
        "10",
        ReasonCode.NET_EXPOSURE_CAP,
        {"qty": "30"},
        {"pf": portfolio("20000", {"MSFT": ("800", "100")})},
        {"max_net_exposure_pct": 0.81, "min_cash_reserve_pct": 0},
    ),
    Row(
        "max open positions",
        V,
        "0",
        ReasonCode.MAX_OPEN_POSITIONS,
        {},
        {"pf": portfolio("90000", {"MSFT": ("10", "100")})},
        {"max_open_positions": 1},
    ),
    Row(
        "adding to a held name is not a new position",
        A,
        "1",
        None,
        {"qty": "1"},
        {"pf": portfolio("99000", {"AAPL": ("10", "100")})},
        {"max_open_positions": 1},
    ),
    Row("short entry refused", V, "0", ReasonCode.SHORTING_DISABLED, {"side": SELL}),
    Row(
        "flip through zero keeps the closing part",
        R,
        "100",
        ReasonCode.FLIP_THROUGH_ZERO,
        {"side": SELL, "qty": "120"},
        {"pf": LONG_AAPL},
    ),
    Row("short allowed when enabled", A, "10", None, {"side": SELL}, {}, {"allow_shorts": True}),
    Row(
        "exit larger than the position is cut to it",
        R,
        "100",
        ReasonCode.EXIT_EXCEEDS_POSITION,
        {"side": SELL, "qty": "150", "reduces_position": True},
        {"pf": LONG_AAPL},
    ),
    Row(
        "exit with no position is vetoed",
        V,
        "0",
        ReasonCode.EXIT_EXCEEDS_POSITION,
        {"side": SELL, "reduces_position": True},
    ),
    Row(
        "cover of a short is an exit",
        A,
        "50",
        None,
        {"qty": "50", "reduces_position": True},
        {"pf": SHORT_AAPL, "trading_state": HALTED},
    ),
    Row("stale data vetoes an entry", V, "0", ReasonCode.STALE_DATA, {"ticker": "TSLA"}),
    Row("price far from the close", V, "0", ReasonCode.PRICE_SANITY, {"price": "120"}),
    Row(
        "limit price far from the close",
        V,
        "0",
        ReasonCode.PRICE_SANITY,
        {"limit_price": Decimal("130"), "order_type": OrderType.LIMIT},
    ),
    Row(
        "expired decision",
        V,
        "0",
        ReasonCode.DECISION_EXPIRED,
        {"created_at": NOW - timedelta(hours=1)},
    ),
    Row("halted vetoes entries", V, "0", ReasonCode.TRADING_HALTED, {}, {"trading_state": HALTED}),
    Row(
        "reducing vetoes entries",
        V,
        "0",
        ReasonCode.TRADING_REDUCING,
        {},
        {"trading_state": REDUCING},
    ),
    Row(
        "halted never blocks an exit",
        A,
        "100",
        None,
        {"side": SELL, "qty": "100", "reduces_position": True},
        {"pf": LONG_AAPL, "trading_state": HALTED},
    ),
    Row(
        "exit passes stale data, expiry, caps and closed market",
        A,
        "100",
        None,
        {
            "side": SELL,
            "qty": "100",
            "reduces_position": True,
            "created_at": NOW - timedelta(days=2),
        },
        {"pf": LONG_AAPL, "now": NOW + timedelta(days=5), "market_open": False},
        {"max_open_positions": 1, "max_gross_exposure_pct": 0.01},
    ),
    Row("below min qty after resize", V, "0", ReasonCode.BELOW_MIN_QTY, {"qty": "0.5"}),
    Row(
        "fractional min qty resizes in its step",
        R,
        "99.9",
        ReasonCode.POSITION_SIZE_CAP,
        {"qty": "150.25"},
        {},
        {"min_order_qty": 0.1, "max_position_pct": 0.0999},
    ),
    Row(
        "market closed by the broker clock",
        V,
        "0",
        ReasonCode.MARKET_CLOSED,
        {},
        {"market_open": False},
    ),
    Row(
        "market closed by the calendar on a Sunday",
        V,
        "0",
        ReasonCode.MARKET_CLOSED,
        {},
        {"now": NOW + timedelta(days=6), "pf": None},
        {"decision_ttl_seconds": 10**7},
    ),
    Row(
        "market policy any ignores the clock",
        A,
        "10",
        None,
        {},
        {"market_open": False},
        {"market_hours_policy": "any"},
    ),
    Row(
        "sector cap",
        R,
        "50",
        ReasonCode.SECTOR_CAP,
        {"qty": "60"},
        {
            "pf": portfolio("70000", {"MSFT": ("300", "100")}),
            "sectors": {"AAPL": "tech", "MSFT": "tech"},
        },
    ),
    Row(
        "buying power incl. open orders",
        R,
        "30",
        ReasonCode.BUYING_POWER,
        {"ticker": "MSFT", "qty": "50"},
        {"pf": portfolio("10000"), "open_orders": (_open_buy("AAPL", "70", "100"),)},
        {"min_cash_reserve_pct": 0, "max_position_pct": 1.0},
    ),
    Row(
        "one active entry per symbol",
        V,
        "0",
        ReasonCode.ACTIVE_ENTRY_EXISTS,
        {},
        {"open_orders": (_open_buy("AAPL", "1"),)},
    ),
    Row(
        "asset not tradable",
        V,
        "0",
        ReasonCode.ASSET_NOT_TRADABLE,
        {},
        {"assets": {"AAPL": AssetStatus(symbol="AAPL", halted=True)}},
    ),
    Row(
        "asset missing from the master",
        V,
        "0",
        ReasonCode.ASSET_UNKNOWN,
        {},
        {"assets": {"MSFT": AssetStatus(symbol="MSFT")}},
    ),
    Row(
        "asset master unreadable or ticker unknown fails closed",
        V,
        "0",
        ReasonCode.ASSET_UNKNOWN,
        {},
        {"asset_master": True},
    ),
    Row(
        "an unknown asset never blocks an exit",
        A,
        "100",
        None,
        {"side": SELL, "qty": "100", "reduces_position": True},
        {"pf": LONG_AAPL, "asset_master": True},
    ),
    Row(
        "entry sized at the broker's ask, not the older close",
        R,
        "96",
        ReasonCode.POSITION_SIZE_CAP,
        {"qty": "150"},
        {"quotes": {"AAPL": _quote(bid=103.0, ask=104.0)}},
    ),
    Row(
        "quote and reference disagree beyond the sanity band",
        V,
        "0",
        ReasonCode.PRICE_SANITY,
        {},
        {"quotes": {"AAPL": _quote(bid=115.0, ask=116.0)}},
    ),
    Row(
        "a crossed quote is ignored: the close stands",
        A,
        "10",
        None,
        {},
        {"quotes": {"AAPL": _quote(bid=130.0, ask=90.0)}},
    ),
    Row(
        "asset not shortable",
        V,
        "0",
        ReasonCode.SHORTING_DISABLED,
        {"side": SELL},
        {"assets": {"AAPL": AssetStatus(symbol="AAPL")}},
        {"allow_shorts": True},
    ),
    Row(
        "cooldown after an exit",
        V,
        "0",
        ReasonCode.SYMBOL_COOLDOWN,
        {},
        {"risk_state": AccountRiskState(last_exit_at={"AAPL": NOW - timedelta(minutes=10)})},
    ),
    Row(
        "cooldown elapsed",
        A,
        "10",
        None,
        {},
        {"risk_state": AccountRiskState(last_exit_at={"AAPL": NOW - timedelta(hours=2)})},
    ),
    Row(
        "order-rate throttle",
        V,
        "0",
        ReasonCode.ORDER_RATE_THROTTLE,
        {},
        {"risk_state": AccountRiskState(recent_order_times=(NOW - timedelta(seconds=5),) * 3)},
        {"max_orders_per_minute": 3},
    ),
    Row(
        "PDT protection under 25k",
        V,
        "0",
        ReasonCode.PATTERN_DAY_TRADER,
        {"qty": "1"},
        {"pf": portfolio("20000"), "risk_state": AccountRiskState(day_trade_count=3)},
    ),
    Row(
        "PDT does not apply above 25k",
        A,
        "1",
        None,
        {"qty": "1"},
        {"risk_state": AccountRiskState(day_trade_count=5)},
    ),
    Row(
        "daily loss limit",
        V,
        "0",
        ReasonCode.DAILY_LOSS_LIMIT,
        {},
        {"risk_state": AccountRiskState(session_baseline_equity=Decimal("104000"))},
    ),
    Row(
        "daily loss exactly at the limit stops entries",
        V,
        "0",
        ReasonCode.DAILY_LOSS_LIMIT,
        {"qty": "1"},
        {
            "pf": portfolio("97000"),
            "risk_state": AccountRiskState(session_baseline_equity=Decimal("100000")),
        },
    ),
    Row(
        "daily loss within limit",
        A,
        "10",
        None,
        {},
        {"risk_state": AccountRiskState(session_baseline_equity=Decimal("102000"))},
    ),
    Row(
        "max drawdown from the high-water mark",
        V,
        "0",
        ReasonCode.MAX_DRAWDOWN,
        {},
        {"risk_state": AccountRiskState(high_water_mark=Decimal("120000"))},
    ),
    Row("non-positive equity", V, "0", ReasonCode.NON_POSITIVE_EQUITY, {}, {"pf": portfolio("0")}),
]


def _run(row: Row) -> Any:
    snap_kw = dict(row.snap_kw)
    prices = snap_kw.pop("prices", None)
    vol = snap_kw.pop("vol", None)
    pf = snap_kw.pop("pf", None)
    snap = snapshot(pf, prices)
    if vol is not None:
        from tests.unit.risk.factory import market

        snap = snap.model_copy(update={"market": market(prices or {"AAPL": 100.0}, vol=vol)})
    snap = snap.model_copy(update=snap_kw)
    return evaluate_intents([intent(**row.intent_kw)], snap, limits(**row.limit_kw))[0]


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_gate_scenario(row: Row) -> None:
    verdict = _run(row)
    assert verdict.outcome is row.outcome, verdict.reasons
    assert verdict.approved_qty == Decimal(row.qty)
    if row.code is not None:
        assert row.code in verdict.reason_codes, verdict.reasons
    if row.outcome is GateOutcome.APPROVED:
        assert verdict.reasons == ()


def test_second_intent_sees_the_cash_the_first_consumed() -> None:
    pf = portfolio("15000", {"MSFT": ("850", "100")})
    first, second = evaluate_intents(
        [intent("AAPL", qty="100"), intent("MSFT", qty="100")],
        snapshot(pf),
        limits(max_position_pct=1.0, max_gross_exposure_pct=4, min_cash_reserve_pct=0),
    )
    assert first.approved_qty == Decimal(100)
    assert second.approved_qty == Decimal(50)
    assert ReasonCode.INSUFFICIENT_CASH in second.reason_codes


def test_two_exits_never_sell_more_than_held() -> None:
    exits = [intent(side=SELL, qty="70", reduces_position=True) for _ in range(2)]
    first, second = evaluate_intents(exits, snapshot(LONG_AAPL), limits())
    assert (first.approved_qty, second.approved_qty) == (Decimal(70), Decimal(30))


def test_same_symbol_twice_in_a_batch_is_one_entry() -> None:
    first, second = evaluate_intents([intent(qty="5"), intent(qty="5")], snapshot(), limits())
    assert first.executable and not second.executable
    assert ReasonCode.ACTIVE_ENTRY_EXISTS in second.reason_codes


def test_correlated_entry_gets_the_scaled_cap() -> None:
    snap = snapshot(portfolio("90000", {"MSFT": ("100", "100")}))
    twin = snap.market.tickers["MSFT"].model_copy(update={"ticker": "AAPL"})
    snap = snap.model_copy(
        update={
            "market": snap.market.model_copy(
                update={"tickers": {"MSFT": snap.market.tickers["MSFT"], "AAPL": twin}}
            )
        }
    )
    verdict = evaluate_intents([intent(qty="100")], snap, limits())[0]
    assert verdict.approved_qty == Decimal(50)
    assert ReasonCode.CORRELATION_CAP in verdict.reason_codes


def test_gate_is_deterministic() -> None:
    intents = [intent(qty="150"), intent("MSFT", qty="30")]
    snap = snapshot()
    assert evaluate_intents(intents, snap, limits()) == evaluate_intents(intents, snap, limits())


def test_volatile_name_gets_a_cap_scaled_by_target_over_realised_volatility() -> None:
    from tests.unit.risk.factory import market

    snap = snapshot().model_copy(update={"market": market({"AAPL": 100.0}, vol=0.12)})
    closes = [b.close for b in snap.market.tickers["AAPL"].bars[-21:]]
    returns = [math.log(b / a) for a, b in itertools.pairwise(closes)]
    realised = statistics.stdev(returns)
    assert realised > 0.06  # the scenario is only meaningful for a clearly volatile name
    expected = math.floor(10_000 * 0.03 / realised / 100)
    verdict = evaluate_intents([intent(qty="100")], snap, limits())[0]
    assert verdict.outcome is GateOutcome.RESIZED
    assert verdict.approved_qty == Decimal(expected)
    assert ReasonCode.POSITION_SIZE_CAP in verdict.reason_codes


def test_an_exit_never_claims_what_a_working_exit_already_will_sell() -> None:
    working_exit = Order(
        broker_order_id="b-exit",
        client_order_id="c-exit",
        ticker="AAPL",
        side=OrderSide.SELL,
        qty=Decimal(60),
        filled_qty=Decimal(0),
        status=OrderStatus.NEW,
        submitted_at=NOW,
    )
    snap = snapshot(LONG_AAPL, open_orders=(working_exit,))
    verdict = evaluate_intents(
        [intent(side=SELL, qty="100", reduces_position=True)], snap, limits()
    )[0]
    assert verdict.outcome is GateOutcome.RESIZED
    assert verdict.approved_qty == Decimal(40)
    assert ReasonCode.EXIT_EXCEEDS_POSITION in verdict.reason_codes
