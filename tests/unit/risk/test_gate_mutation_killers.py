"""Risk-gate specifications the mutation run showed unpinned (issue 9; tests/mutation/README.md).

Why a separate file: the scenario table checks each rule's outcome and reason code through the
gate; these pin what the table leaves open. The edges of every cap and window (at the limit, one
cent or one second either side), the audit record of each bound (the message and the numbers an
operator reads when an order was refused or cut), and the contract of a single rule: ``None``
when it does not bind, a bound below the opening quantity when it does.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from domain import (
    AssetStatus,
    Bar,
    DataIssue,
    DataQuality,
    GateOutcome,
    GateReason,
    GateVerdict,
    MarketSnapshot,
    OrderIntent,
    OrderSide,
    PortfolioSnapshot,
    Quote,
    ReasonCode,
    TickerData,
    TradingStateRecord,
    TradingStatus,
)
from graph.risk.book import ExposureBook
from graph.risk.check import Constraint, EntryCheck, floor_to_step
from graph.risk.gate import evaluate_intents, qty_step
from graph.risk.rules import account, activity, data, sizing, timing
from graph.risk.snapshot import AccountRiskState
from tests.unit.risk.factory import NOW, intent, limits, portfolio, snapshot

SELL = OrderSide.SELL


def entry(
    *,
    qty: str = "10",
    price: str = "100",
    side: OrderSide = OrderSide.BUY,
    residual: str = "0",
    pf: PortfolioSnapshot | None = None,
    risk: dict[str, Any] | None = None,
    feed: TickerData | None = None,
    **snap_kw: Any,
) -> EntryCheck:
    """The opening part of one intent as a rule sees it, at the sizing price ``price``.

    ``feed`` replaces the feed's calm AAPL history (bad bars, no bars, a failed quality check).
    """
    snap = snapshot(pf, **snap_kw)
    if feed is not None:
        tickers = {**snap.market.tickers, "AAPL": feed}
        snap = snap.model_copy(update={"market": MarketSnapshot(as_of=NOW, tickers=tickers)})
    return EntryCheck(
        intent=intent(side=side, qty=qty, price=price),
        opening_qty=Decimal(qty),
        residual_qty=Decimal(residual),
        direction=1 if side is OrderSide.BUY else -1,
        price=Decimal(price),
        snapshot=snap,
        limits=limits(**(risk or {})),
        book=ExposureBook.from_snapshot(snap),
    )


def _amount(text: str) -> Decimal | str:
    """Audit numbers compare by value: ``"200.0"`` and ``"200"`` are the same 200 shares."""
    try:
        return Decimal(text)
    except ArithmeticError:
        return text


@dataclass(frozen=True)
class Audit:
    """A bound as the audit shows it: the quantity allowed, the code, the message, the numbers."""

    max_qty: Decimal
    code: ReasonCode
    message: str
    context: dict[str, Decimal | str]

    @classmethod
    def of(cls, constraint: Constraint | None) -> Audit | None:
        if constraint is None:
            return None
        why = constraint.reason
        numbers = {k: _amount(v) for k, v in why.context.items()}
        return cls(constraint.max_qty, why.code, why.message, numbers)


def refused(code: ReasonCode, message: str, **context: str) -> Audit:
    return bound("0", code, message, **context)


def bound(qty: str, code: ReasonCode, message: str, **context: str) -> Audit:
    return Audit(Decimal(qty), code, message, {k: _amount(v) for k, v in context.items()})


def risk_state(**kw: Any) -> AccountRiskState:
    return AccountRiskState(**kw)


# --- account guards -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code", "message"),
    [
        (TradingStatus.HALTED, ReasonCode.TRADING_HALTED, "trading is halted"),
        (TradingStatus.REDUCING, ReasonCode.TRADING_REDUCING, "trading is reducing only"),
    ],
)
def test_a_halt_or_reduce_only_veto_carries_the_operators_reason(
    status: TradingStatus, code: ReasonCode, message: str
) -> None:
    check = entry(trading_state=TradingStateRecord(status=status, reason="operator: earnings"))
    assert Audit.of(account.trading_state(check)) == refused(
        code, message, reason="operator: earnings"
    )


def test_zero_equity_is_refused_with_the_equity_on_record() -> None:
    check = entry(pf=portfolio("0"))
    assert Audit.of(account.non_positive_equity(check)) == refused(
        ReasonCode.NON_POSITIVE_EQUITY, "account equity is not positive", equity="0"
    )


def test_fifty_cents_of_equity_is_still_positive_equity() -> None:
    assert account.non_positive_equity(entry(pf=portfolio("0.5"))) is None


def test_the_daily_loss_veto_records_equity_baseline_and_floor() -> None:
    check = entry(
        pf=portfolio("97000"), risk_state=risk_state(session_baseline_equity=Decimal(100000))
    )
    assert Audit.of(account.daily_loss_limit(check)) == refused(
        ReasonCode.DAILY_LOSS_LIMIT,
        "daily loss limit reached",
        equity="97000",
        baseline="100000",
        floor="97000.00",
    )


def test_a_one_dollar_session_baseline_still_stops_a_halved_account() -> None:
    check = entry(pf=portfolio("0.5"), risk_state=risk_state(session_baseline_equity=Decimal(1)))
    verdict = account.daily_loss_limit(check)
    assert verdict is not None
    assert verdict.reason.code is ReasonCode.DAILY_LOSS_LIMIT


def test_a_zero_session_baseline_is_no_baseline_for_the_daily_loss_stop() -> None:
    check = entry(pf=portfolio("0"), risk_state=risk_state(session_baseline_equity=Decimal(0)))
    assert account.daily_loss_limit(check) is None


def test_the_drawdown_veto_fires_exactly_at_the_floor_and_records_it() -> None:
    check = entry(pf=portfolio("85000"), risk_state=risk_state(high_water_mark=Decimal(100000)))
    assert Audit.of(account.max_drawdown(check)) == refused(
        ReasonCode.MAX_DRAWDOWN,
        "drawdown from the high-water mark reached the limit",
        equity="85000",
        high_water_mark="100000",
        floor="85000.00",
    )


def test_one_cent_above_the_drawdown_floor_still_trades() -> None:
    check = entry(pf=portfolio("85000.01"), risk_state=risk_state(high_water_mark=Decimal(100000)))
    assert account.max_drawdown(check) is None


def test_a_one_dollar_high_water_mark_still_stops_a_halved_account() -> None:
    check = entry(pf=portfolio("0.5"), risk_state=risk_state(high_water_mark=Decimal(1)))
    verdict = account.max_drawdown(check)
    assert verdict is not None
    assert verdict.reason.code is ReasonCode.MAX_DRAWDOWN


def test_a_zero_high_water_mark_is_no_high_water_mark_for_the_drawdown_stop() -> None:
    check = entry(pf=portfolio("0"), risk_state=risk_state(high_water_mark=Decimal(0)))
    assert account.max_drawdown(check) is None


# --- activity guards ------------------------------------------------------------------------


def test_a_second_entry_on_a_working_symbol_is_refused_with_its_reason() -> None:
    check = entry()
    check.book.entry_symbols.add("AAPL")
    assert Audit.of(activity.active_entry(check)) == refused(
        ReasonCode.ACTIVE_ENTRY_EXISTS, "an entry order for the symbol is still active"
    )


def test_the_throttle_counts_each_recent_entry_once() -> None:
    recent = (NOW - timedelta(seconds=10), NOW - timedelta(seconds=20))
    check = entry(
        risk={"max_orders_per_minute": 3}, risk_state=risk_state(recent_order_times=recent)
    )
    assert activity.order_rate_throttle(check) is None


def test_the_throttle_window_holds_an_entry_sent_now_and_drops_one_a_full_minute_old() -> None:
    recent = (NOW, NOW - timedelta(seconds=59), NOW - timedelta(seconds=60))
    check = entry(
        risk={"max_orders_per_minute": 2}, risk_state=risk_state(recent_order_times=recent)
    )
    assert Audit.of(activity.order_rate_throttle(check)) == refused(
        ReasonCode.ORDER_RATE_THROTTLE,
        "too many entry orders in the last minute",
        recent="2",
        limit="2",
    )
    only_edges = (NOW, NOW - timedelta(seconds=60))
    check = entry(
        risk={"max_orders_per_minute": 2}, risk_state=risk_state(recent_order_times=only_edges)
    )
    assert activity.order_rate_throttle(check) is None


def test_the_pdt_veto_records_day_trades_limit_and_equity() -> None:
    check = entry(pf=portfolio("24999"), risk_state=risk_state(day_trade_count=3))
    assert Audit.of(activity.pattern_day_trader(check)) == refused(
        ReasonCode.PATTERN_DAY_TRADER,
        "another day trade would flag the account as a pattern day trader",
        day_trades="3",
        limit="3",
        equity="24999",
    )


def test_equity_exactly_at_the_pdt_floor_is_out_of_pdt_protection() -> None:
    check = entry(pf=portfolio("25000"), risk_state=risk_state(day_trade_count=3))
    assert activity.pattern_day_trader(check) is None


# --- sizing caps ----------------------------------------------------------------------------

UNCAPPED = {"max_position_pct": 1.0, "max_order_notional": 1_000_000}


def test_an_order_exactly_at_the_notional_cap_is_not_bound_by_it() -> None:
    assert sizing.order_notional(entry(qty="250")) is None


def test_the_notional_cap_records_requested_allowed_and_cap() -> None:
    assert Audit.of(sizing.order_notional(entry(qty="300"))) == bound(
        "250",
        ReasonCode.ORDER_NOTIONAL_CAP,
        "order notional cap",
        requested="300",
        allowed="250.0",
        cap="25000.0",
    )


def test_the_position_cap_records_its_scale_and_why() -> None:
    assert Audit.of(sizing.position_size(entry(qty="150"))) == bound(
        "100",
        ReasonCode.POSITION_SIZE_CAP,
        "position size cap",
        requested="150",
        allowed="100.00",
        cap="10000.00",
        scale="1.0",
        why="none",
    )


def test_the_sector_cap_records_the_sector_and_what_it_already_holds() -> None:
    check = entry(
        qty="300",
        pf=portfolio("90000", {"MSFT": ("100", "100")}),
        risk={"max_sector_pct": 0.2, "max_position_pct": 1.0},
        sectors={"AAPL": "tech", "MSFT": "tech"},
    )
    assert Audit.of(sizing.sector_exposure(check)) == bound(
        "100",
        ReasonCode.SECTOR_CAP,
        "sector cap",
        requested="300",
        allowed="100.0",
        sector="tech",
        cap="20000.0",
        used="10000",
    )


def test_the_cash_reserve_records_cash_and_reserve() -> None:
    assert Audit.of(sizing.cash_reserve(entry(qty="990", risk=UNCAPPED))) == bound(
        "980",
        ReasonCode.INSUFFICIENT_CASH,
        "cash after reserve",
        requested="990",
        allowed="980.00",
        cash="100000",
        reserve="2000.00",
    )


def test_buying_power_records_what_is_available() -> None:
    assert Audit.of(sizing.buying_power(entry(qty="1001", risk=UNCAPPED))) == bound(
        "1000",
        ReasonCode.BUYING_POWER,
        "buying power incl. open orders",
        requested="1001",
        allowed="1000",
        available="100000",
    )


HEAVY_MSFT = portfolio("20000", {"MSFT": ("900", "100")})
"""Equity 110 000, gross and net exposure 90 000 long: 20 000 of room under a 100 % cap."""


def test_the_gross_cap_records_cap_and_gross() -> None:
    assert Audit.of(sizing.gross_exposure(entry(qty="300", pf=HEAVY_MSFT))) == bound(
        "200",
        ReasonCode.GROSS_EXPOSURE_CAP,
        "gross exposure cap",
        requested="300",
        allowed="200",
        cap="110000.00",
        gross="90000",
    )


def test_the_net_cap_records_cap_and_net() -> None:
    assert Audit.of(sizing.net_exposure(entry(qty="300", pf=HEAVY_MSFT))) == bound(
        "200",
        ReasonCode.NET_EXPOSURE_CAP,
        "net exposure cap",
        requested="300",
        allowed="200",
        cap="110000.00",
        net="90000",
    )


def test_a_short_entry_against_a_net_long_book_reduces_net_exposure() -> None:
    check = entry(qty="300", side=SELL, pf=HEAVY_MSFT, risk={"allow_shorts": True})
    assert sizing.net_exposure(check) is None


def test_a_short_entry_against_a_net_short_book_is_bound_by_the_net_cap() -> None:
    short_book = portfolio("200000", {"MSFT": ("-900", "100")})
    check = entry(qty="300", side=SELL, pf=short_book, risk={"allow_shorts": True})
    verdict = sizing.net_exposure(check)
    assert verdict is not None
    assert verdict.max_qty == Decimal(200)


def test_the_open_position_count_records_open_and_limit() -> None:
    check = entry(pf=portfolio("90000", {"MSFT": ("100", "100")}), risk={"max_open_positions": 1})
    assert Audit.of(sizing.max_open_positions(check)) == refused(
        ReasonCode.MAX_OPEN_POSITIONS, "too many open positions", open="1", limit="1"
    )


def test_adding_to_a_fractional_holding_does_not_count_as_a_new_position() -> None:
    check = entry(
        residual="0.5",
        pf=portfolio("90000", {"AAPL": ("0.5", "100")}),
        risk={"max_open_positions": 1},
    )
    assert sizing.max_open_positions(check) is None


# --- data guards ----------------------------------------------------------------------------


def closing_at(close: float, **kw: Any) -> TickerData:
    """One AAPL bar the day before NOW, closing at ``close``."""
    bar = Bar(ts=NOW - timedelta(days=1), open=close, high=close, low=close, close=close, volume=1)
    return TickerData(ticker="AAPL", bars=(bar,), **kw)


def test_no_market_data_is_refused_as_stale() -> None:
    check = entry(prices={"MSFT": 100.0})
    assert Audit.of(data.stale_data(check)) == refused(
        ReasonCode.STALE_DATA, "no market data for the symbol"
    )


def test_a_failed_quality_check_is_refused_with_every_issue_listed() -> None:
    issues = (DataIssue.STALE_LAST_BAR, DataIssue.MISSING_SESSIONS)
    check = entry(feed=closing_at(100.0, quality=DataQuality(issues=issues)))
    assert Audit.of(data.stale_data(check)) == refused(
        ReasonCode.STALE_DATA,
        "market data failed its quality checks",
        issues="stale_last_bar,missing_sessions",
    )


@pytest.mark.parametrize(
    "ticker_data",
    [TickerData(ticker="AAPL"), closing_at(0.0)],
    ids=["no bars", "zero close"],
)
def test_no_trusted_close_is_refused_with_its_own_code(ticker_data: TickerData) -> None:
    assert Audit.of(data.stale_data(entry(feed=ticker_data))) == refused(
        ReasonCode.NO_TRUSTED_PRICE, "no trusted latest close"
    )


def test_a_fifty_cent_close_is_a_trusted_price() -> None:
    assert data.stale_data(entry(price="0.5", feed=closing_at(0.5))) is None


@pytest.mark.parametrize(
    "ticker_data",
    [TickerData(ticker="AAPL"), closing_at(0.0)],
    ids=["no bars", "zero close"],
)
def test_price_sanity_leaves_an_untrusted_close_to_the_stale_data_guard(
    ticker_data: TickerData,
) -> None:
    assert data.price_sanity(entry(feed=ticker_data)) is None


def test_price_sanity_measures_a_fifty_cent_close_like_any_other() -> None:
    check = entry(price="100", feed=closing_at(0.5))
    verdict = data.price_sanity(check)
    assert verdict is not None
    assert verdict.reason.code is ReasonCode.PRICE_SANITY


def test_a_reference_off_the_latest_bar_is_refused_with_the_deviation_to_six_places() -> None:
    check = entry(price="93", feed=closing_at(100.0))
    assert Audit.of(data.price_sanity(check)) == refused(
        ReasonCode.PRICE_SANITY,
        "reference price is too far from the current price",
        price="93",
        current="100.0",
        source="latest_bar",
        deviation="0.07",
        limit="0.05",
    )
    check = entry(price="107", feed=closing_at(99.0))
    verdict = data.price_sanity(check)
    assert verdict is not None
    assert verdict.reason.context["deviation"] == "0.080808"


def test_a_buy_limit_off_the_brokers_ask_is_refused_against_the_ask() -> None:
    quote = Quote(ticker="AAPL", ts=NOW, bid=95.0, ask=105.0, bid_size=100.0, ask_size=100.0)
    snap_intent = intent(price="104", limit_price=Decimal("120"))
    check = entry(price="104", quotes={"AAPL": quote})
    check = dataclasses.replace(check, intent=snap_intent)
    assert Audit.of(data.price_sanity(check)) == refused(
        ReasonCode.PRICE_SANITY,
        "limit price is too far from the current price",
        price="120",
        current="105.0",
        source="broker_quote",
        deviation="0.142857",
        limit="0.05",
    )


def test_a_reference_exactly_at_the_sanity_band_passes() -> None:
    assert data.price_sanity(entry(price="105", feed=closing_at(100.0))) is None


def test_an_unknown_ticker_under_an_asset_master_is_refused_by_name() -> None:
    check = entry(asset_master=True)
    assert Audit.of(data.asset_tradable(check)) == refused(
        ReasonCode.ASSET_UNKNOWN,
        "the broker's asset master does not know the ticker or could not be read",
        ticker="AAPL",
    )


def test_a_halted_asset_is_refused_with_its_broker_flags() -> None:
    check = entry(assets={"AAPL": AssetStatus(symbol="AAPL", halted=True)}, asset_master=True)
    assert Audit.of(data.asset_tradable(check)) == refused(
        ReasonCode.ASSET_NOT_TRADABLE,
        "the broker does not trade this asset now",
        tradable="True",
        halted="True",
    )


def test_a_long_entry_needs_no_borrow_but_a_short_one_does() -> None:
    assets = {"AAPL": AssetStatus(symbol="AAPL", shortable=False)}
    assert data.asset_tradable(entry(assets=assets, asset_master=True)) is None
    short = entry(side=SELL, assets=assets, asset_master=True, risk={"allow_shorts": True})
    assert Audit.of(data.asset_tradable(short)) == refused(
        ReasonCode.SHORTING_DISABLED, "the asset is not shortable at the broker"
    )


# --- time guards ----------------------------------------------------------------------------


def test_a_decision_exactly_its_time_to_live_old_still_trades() -> None:
    check = entry(now=NOW + timedelta(seconds=900 - 30))
    assert timing.decision_expired(check) is None


def test_an_expired_decision_records_its_age_and_time_to_live() -> None:
    check = entry(now=NOW + timedelta(seconds=900 - 30 + 1))
    assert Audit.of(timing.decision_expired(check)) == refused(
        ReasonCode.DECISION_EXPIRED,
        "the decision is older than its time to live",
        age_seconds="901",
        ttl_seconds="900",
    )


def test_a_closed_market_veto_names_the_broker_clock_when_it_answered() -> None:
    assert Audit.of(timing.market_hours(entry(market_open=False))) == refused(
        ReasonCode.MARKET_CLOSED,
        "the market is closed",
        source="broker_clock",
        now=NOW.isoformat(),
    )


def test_a_closed_market_veto_names_the_exchange_calendar_without_a_clock() -> None:
    saturday = NOW + timedelta(days=5)
    assert Audit.of(timing.market_hours(entry(now=saturday))) == refused(
        ReasonCode.MARKET_CLOSED,
        "the market is closed",
        source="exchange_calendar",
        now=saturday.isoformat(),
    )


def test_a_one_second_cooldown_still_holds_for_that_second() -> None:
    exited = risk_state(last_exit_at={"AAPL": NOW - timedelta(milliseconds=500)})
    check = entry(risk={"symbol_cooldown_seconds": 1}, risk_state=exited)
    assert Audit.of(timing.symbol_cooldown(check)) == refused(
        ReasonCode.SYMBOL_COOLDOWN,
        "the symbol was exited too recently",
        elapsed_seconds="0",
        cooldown_seconds="1",
    )


def test_the_cooldown_ends_exactly_when_its_seconds_have_passed() -> None:
    exited = risk_state(last_exit_at={"AAPL": NOW - timedelta(seconds=3600)})
    assert timing.symbol_cooldown(entry(risk_state=exited)) is None


# --- rounding and the gate's own reasons ----------------------------------------------------


def test_a_fractional_step_keeps_a_sub_share_quantity() -> None:
    assert floor_to_step(Decimal("0.579"), Decimal("0.01")) == Decimal("0.57")
    assert floor_to_step(Decimal("1"), Decimal("1")) == Decimal("1")


def test_a_minimum_order_above_one_share_still_resizes_to_whole_shares() -> None:
    assert qty_step(limits(min_order_qty=1.5)) == Decimal(1)
    assert qty_step(limits(min_order_qty=0.25)) == Decimal("0.25")
    [verdict] = evaluate_intents([intent(qty="150")], snapshot(), limits(min_order_qty=1.5))
    assert verdict.approved_qty == Decimal(100)


def test_an_exit_larger_than_the_position_records_requested_and_held() -> None:
    pf = portfolio("90000", {"AAPL": ("100", "100")})
    exit_intent = intent(side=SELL, qty="150", reduces_position=True)
    [verdict] = evaluate_intents([exit_intent], snapshot(pf), limits())
    assert verdict.outcome is GateOutcome.RESIZED
    assert verdict.approved_qty == Decimal(100)
    assert verdict.reasons == (
        GateReason(
            code=ReasonCode.EXIT_EXCEEDS_POSITION,
            message="exit larger than the position",
            context={"requested": "150", "held": "100"},
        ),
    )


def _only(intents: list[OrderIntent], **risk: Any) -> list[GateVerdict]:
    return evaluate_intents(intents, snapshot(), limits(**risk))


def test_shorting_disabled_records_requested_and_held() -> None:
    [verdict] = _only([intent(side=SELL, qty="10")])
    assert verdict.reasons == (
        GateReason(
            code=ReasonCode.SHORTING_DISABLED,
            message="shorting is disabled",
            context={"requested": "10", "held": "0"},
        ),
    )


def test_a_buy_through_a_short_closes_it_and_records_the_refused_flip() -> None:
    pf = portfolio("110000", {"AAPL": ("-50", "100")})
    [verdict] = evaluate_intents([intent(qty="80")], snapshot(pf), limits())
    assert verdict.approved_qty == Decimal(50)
    assert verdict.reasons == (
        GateReason(
            code=ReasonCode.FLIP_THROUGH_ZERO,
            message="flip through zero refused",
            context={"requested": "80", "held": "-50"},
        ),
    )


def test_a_flip_with_shorts_allowed_sizes_the_new_side_from_flat() -> None:
    pf = portfolio("110000", {"AAPL": ("-50", "100")})
    # equity 105 000: the 10 % position cap is exactly the 105 shares bought past flat
    [verdict] = evaluate_intents([intent(qty="155")], snapshot(pf), limits(allow_shorts=True))
    assert verdict.outcome is GateOutcome.APPROVED
    assert verdict.approved_qty == Decimal(155)


def test_a_quantity_below_the_minimum_order_is_refused_with_both_numbers() -> None:
    pf = portfolio("90200", {"AAPL": ("98", "100")})
    [verdict] = evaluate_intents([intent(qty="10")], snapshot(pf), limits(min_order_qty=5))
    assert verdict.outcome is GateOutcome.VETOED
    assert verdict.reasons[-1] == GateReason(
        code=ReasonCode.BELOW_MIN_QTY,
        message="below the minimum order size",
        context={"allowed": "2", "minimum": "5"},
    )


def test_a_vetoed_entry_carries_only_the_reasons_of_the_bounds_that_bit() -> None:
    halted = TradingStateRecord(status=TradingStatus.HALTED, reason="operator")
    [verdict] = evaluate_intents([intent()], snapshot(trading_state=halted), limits())
    assert [r.code for r in verdict.reasons] == [ReasonCode.TRADING_HALTED]


def test_an_unbound_fractional_order_keeps_its_exact_quantity() -> None:
    [verdict] = _only([intent(qty="10.5")])
    assert verdict.outcome is GateOutcome.APPROVED
    assert verdict.approved_qty == Decimal("10.5")


def test_a_one_share_exit_is_charged_so_a_second_cannot_close_it_again() -> None:
    pf = portfolio("99900", {"AAPL": ("1", "100")})
    exits = [intent(side=SELL, qty="1", reduces_position=True) for _ in range(2)]
    first, second = evaluate_intents(exits, snapshot(pf), limits())
    assert first.approved_qty == Decimal(1)
    assert second.outcome is GateOutcome.VETOED
    assert second.reason_codes == (ReasonCode.EXIT_EXCEEDS_POSITION,)


def test_a_refused_entry_does_not_use_up_the_order_rate_budget() -> None:
    far_off = intent(ticker="AAPL", price="150")  # outside the price-sanity band: vetoed
    calm = intent(ticker="MSFT")
    first, second = _only([far_off, calm], max_orders_per_minute=1)
    assert first.outcome is GateOutcome.VETOED
    assert second.outcome is GateOutcome.APPROVED


def test_an_exit_does_not_count_as_a_working_entry_for_a_later_buy() -> None:
    pf = portfolio("90000", {"AAPL": ("100", "100")})
    trim = intent(side=SELL, qty="50", reduces_position=True)
    add = intent(qty="10")
    _, verdict = evaluate_intents([trim, add], snapshot(pf), limits())
    assert verdict.outcome is GateOutcome.APPROVED


def test_an_approved_buy_is_charged_at_the_brokers_ask_for_the_next_in_the_batch() -> None:
    ask = Quote(ticker="AAPL", ts=NOW, bid=103.0, ask=104.0, bid_size=100.0, ask_size=100.0)
    risk = limits(max_gross_exposure_pct=0.2, max_position_pct=1.0, max_order_notional=1e6)
    batch = [intent(ticker="AAPL", qty="100"), intent(ticker="MSFT", qty="100")]
    first, second = evaluate_intents(batch, snapshot(quotes={"AAPL": ask}), risk)
    assert first.approved_qty == Decimal(100)
    assert second.approved_qty == Decimal(96)  # 20 000 - 100 x 104 leaves 9 600 at 100
