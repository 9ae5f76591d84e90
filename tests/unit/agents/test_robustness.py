"""Property tests: whatever numbers a provider sends (NaN, infinities, zeros, huge values), every
strategy and analyst returns a valid result and never turns unusable data into a direction."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agents.analysts import ANALYSTS
from agents.analysts.base import AnalystRequest
from agents.strategies import run_strategies
from domain import Bar, FinancialMetrics, InsiderTrade, NewsItem, TickerData, VerdictSignal
from tests.unit.agents._factories import AS_OF

any_float = st.one_of(
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-1e6, max_value=1e6),
)
METRIC_FIELDS = [
    name
    for name, info in FinancialMetrics.model_fields.items()
    if info.annotation in (float | None, "float | None")
]


@st.composite
def metrics(draw: st.DrawFn) -> FinancialMetrics:
    values = {name: draw(any_float) for name in METRIC_FIELDS}
    return FinancialMetrics(
        ticker="TEST",
        report_period=date(2025, 3, 31),
        available_at=datetime(2025, 5, 1, tzinfo=UTC),
        **values,
    )


@st.composite
def bars(draw: st.DrawFn) -> tuple[Bar, ...]:
    n = draw(st.integers(min_value=0, max_value=90))
    base = draw(st.floats(min_value=0.01, max_value=1e5))
    poison = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=max(n - 1, 0))))
    bad = draw(st.sampled_from([float("nan"), float("inf"), 0.0, -1.0]))
    out = []
    for i in range(n):
        close = base * (1 + 0.01 * ((i * 7) % 5 - 2))
        volume = bad if i == poison else 1e6
        out.append(
            Bar(
                ts=datetime(2024, 1, 1, tzinfo=UTC) + timedelta(days=i),
                open=close,
                high=close * 1.01,
                low=close * 0.99,
                close=bad if i == poison and bad <= 0 else close,
                volume=volume,
            )
        )
    return tuple(out)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    periods=st.lists(metrics(), max_size=3),
    history=bars(),
    sentiments=st.lists(any_float, max_size=4),
    shares=st.lists(any_float, max_size=4),
)
async def test_analysts_and_strategies_survive_any_numbers(
    periods: list[FinancialMetrics],
    history: tuple[Bar, ...],
    sentiments: list[float | None],
    shares: list[float | None],
) -> None:
    data = TickerData(
        ticker="TEST",
        bars=history,
        metrics=tuple(periods),
        news=tuple(
            NewsItem(ticker="TEST", title="t", source="s", published_at=AS_OF, sentiment=s)
            for s in sentiments
        ),
        insider_trades=tuple(
            InsiderTrade(ticker="TEST", available_at=AS_OF, shares=s) for s in shares
        ),
    )
    for signal in run_strategies("TEST", history):
        assert 0.0 <= signal.confidence <= 1.0
    request = AnalystRequest(ticker="TEST", data=data, signals=(), research=None, as_of=AS_OF)
    for analyst in ANALYSTS.values():
        verdict = await analyst.analyze(request, None)
        assert 0.0 <= verdict.confidence <= 1.0
        assert verdict.signal is not VerdictSignal.NO_SIGNAL  # no LLM: nothing can fail


async def test_nan_fundamentals_are_missing_not_bullish() -> None:
    nan = float("nan")
    poisoned = FinancialMetrics(
        ticker="TEST",
        report_period=date(2025, 3, 31),
        available_at=datetime(2025, 5, 1, tzinfo=UTC),
        **{name: nan for name in METRIC_FIELDS},
    )
    request = AnalystRequest(
        ticker="TEST",
        data=TickerData(ticker="TEST", metrics=(poisoned,)),
        signals=(),
        research=None,
        as_of=AS_OF,
    )
    for analyst in ANALYSTS.values():
        verdict = await analyst.analyze(request, None)
        assert verdict.signal is VerdictSignal.INSUFFICIENT_DATA, (analyst.name, verdict.reasoning)
