"""The full roster: every analyst reads strong numbers as bullish, weak ones as bearish, and
missing numbers as insufficient data, never as a direction."""

from __future__ import annotations

import pytest

from agents.analysts import ALL, ANALYSTS, DETERMINISTIC, PERSONAS, analyst_roster
from agents.analysts.base import AnalystRequest
from domain import TickerData, VerdictSignal, VerdictSource
from tests.unit.agents._factories import AS_OF, metrics, strong_company, weak_company

EXPECTED_PERSONAS = {
    "warren_buffett",
    "charlie_munger",
    "ben_graham",
    "peter_lynch",
    "phil_fisher",
    "bill_ackman",
    "cathie_wood",
    "michael_burry",
    "mohnish_pabrai",
    "stanley_druckenmiller",
    "aswath_damodaran",
    "rakesh_jhunjhunwala",
}
# sentiment reads headlines and insiders, which the company fixtures set against the fundamentals
DIRECTIONAL = sorted(name for name in ANALYSTS if name != "sentiment")


def request(data: TickerData) -> AnalystRequest:
    return AnalystRequest(ticker="TEST", data=data, signals=(), research=None, as_of=AS_OF)


def test_the_roster_is_complete() -> None:
    assert set(PERSONAS) == EXPECTED_PERSONAS
    assert set(DETERMINISTIC) == {"technicals", "fundamentals", "valuation", "growth", "sentiment"}
    assert set(ANALYSTS) == EXPECTED_PERSONAS | set(DETERMINISTIC)
    assert [a.name for a in analyst_roster([ALL])] == list(ANALYSTS)
    for name, analyst in ANALYSTS.items():
        assert analyst.name == name
        assert getattr(analyst, "persona", ""), f"{name} has no persona for its LLM judgement"


@pytest.mark.parametrize("name", DIRECTIONAL)
async def test_strong_numbers_are_bullish(name: str) -> None:
    verdict = await ANALYSTS[name].analyze(request(strong_company()), None)
    assert verdict.signal is VerdictSignal.BULLISH, verdict.reasoning
    assert verdict.source is VerdictSource.RULES


@pytest.mark.parametrize("name", DIRECTIONAL)
async def test_weak_numbers_are_bearish(name: str) -> None:
    verdict = await ANALYSTS[name].analyze(request(weak_company()), None)
    assert verdict.signal is VerdictSignal.BEARISH, verdict.reasoning


@pytest.mark.parametrize("name", sorted(ANALYSTS))
async def test_missing_numbers_are_insufficient_not_bearish(name: str) -> None:
    for data in (
        TickerData(ticker="TEST"),
        TickerData(ticker="TEST", metrics=(metrics(market_cap=5e10),)),
    ):
        verdict = await ANALYSTS[name].analyze(request(data), None)
        assert verdict.signal is VerdictSignal.INSUFFICIENT_DATA, (name, verdict.reasoning)
        assert verdict.confidence == 0.0
