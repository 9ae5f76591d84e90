"""Rules-only research on the embedded default: a deterministic plan, numbers from the tools."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from config.settings import load_settings
from mazo_bridge.answer import Outlook, StopReason
from mazo_bridge.evidence import numbers_in, unsupported_numbers
from mazo_bridge.rules_agent import RulesResearchAgent, _read
from tools.market_data.factory import build_market_data

AS_OF = datetime(2025, 6, 2, 21, 0, tzinfo=UTC)


def embedded_agent(tmp_path: Path) -> RulesResearchAgent:
    settings = load_settings(hedgegraph_home=tmp_path / "home")
    assert list(settings.effective_data_providers) == ["offline"]
    return RulesResearchAgent(build_market_data(settings))


def test_embedded_default_answers_with_numbers_from_the_offline_data(tmp_path: Path) -> None:
    agent = embedded_agent(tmp_path)
    started = time.monotonic()
    answer, box = agent.research(
        "How has AAPL traded, and what do insiders do?", ["AAPL"], as_of=AS_OF
    )
    elapsed = time.monotonic() - started
    assert elapsed < 10  # generous guard; the measured time is in the report (well under 1 s)

    assert answer.rules_only and answer.validated and answer.stop_reason is StopReason.ANSWERED
    assert [s.tool for s in answer.sources] == [
        "get_prices",
        "get_financial_metrics",
        "get_news",
        "get_insider_trades",
    ]
    prices = json.loads(box.results[0].output)
    insider = json.loads(box.results[3].output)
    assert f"last close {prices['last_close']}" in answer.summary
    assert f"{prices['change_pct']:+}%" in answer.summary
    assert f"net {insider['net_shares']} shares" in answer.summary
    # every number the summary quotes is in a tool output (and there are several)
    quoted = numbers_in(answer.summary)
    assert len(quoted) >= 8
    assert (
        unsupported_numbers([answer.summary, *answer.key_points], [r.output for r in box.results])
        == []
    )
    assert all(s.as_of == AS_OF for s in answer.sources)


def test_rules_only_is_deterministic(tmp_path: Path) -> None:
    agent = embedded_agent(tmp_path)
    first, _ = agent.research("AAPL?", ["AAPL"], as_of=AS_OF)
    second, _ = agent.research("AAPL?", ["AAPL"], as_of=AS_OF)
    assert first.model_dump(exclude={"usage"}) == second.model_dump(exclude={"usage"})


def test_quick_stops_at_its_tool_budget_on_a_wide_question(tmp_path: Path) -> None:
    agent = embedded_agent(tmp_path)
    quick, _ = agent.research("compare", ["AAPL", "MSFT", "NVDA"], as_of=AS_OF, depth="quick")
    deep, _ = agent.research("compare", ["AAPL", "MSFT", "NVDA"], as_of=AS_OF, depth="deep")
    assert quick.stop_reason is StopReason.TOOL_CALL_BUDGET and quick.usage.tool_calls == 4
    assert deep.stop_reason is StopReason.ANSWERED and deep.usage.tool_calls == 12


def reading(**outputs: dict[str, Any]) -> tuple[int, list[str]]:
    r = _read("TEST", outputs)
    return r.points, r.notes


def test_the_stance_rules_are_explicit() -> None:
    up = {"sessions": 60, "change_pct": 5.0, "last_close": 10.0, "low": 9.0, "high": 11.0}
    down = {**up, "change_pct": -5.0}
    flat = {**up, "change_pct": 1.0}
    assert reading(get_prices=up)[0] == 1 and reading(get_prices=down)[0] == -1
    assert reading(get_prices=flat) == (0, [])
    cheap = {"periods": [{"report_period": "2025-03-31", "price_to_earnings_ratio": 12.0}]}
    rich = {"periods": [{"report_period": "2025-03-31", "price_to_earnings_ratio": 45.0}]}
    assert reading(get_financial_metrics=cheap)[0] == 1
    assert reading(get_financial_metrics=rich)[0] == -1
    assert reading(get_news={"avg_sentiment": 0.3, "items": 5})[0] == 1
    assert reading(get_news={"avg_sentiment": -0.3, "items": 5})[0] == -1
    buying = {"trades": 3, "buys": 3, "sells": 0, "net_shares": 100}
    assert reading(get_insider_trades=buying)[0] == 1
    points, notes = reading(get_prices=up, get_news={"avg_sentiment": 0.3, "items": 5})
    assert points == 2 and notes == ["TEST trend +1: +5.0% > +2%", "TEST news +1: tone +0.3 > +0.1"]


def test_two_points_make_a_stance(tmp_path: Path) -> None:
    agent = embedded_agent(tmp_path)
    answers = {
        t: agent.research("?", [t], as_of=AS_OF)[0]
        for t in ("AAPL", "MSFT", "NVDA", "TSLA", "AMZN", "META")
    }
    for answer in answers.values():
        points = sum(1 if "+1" in n else -1 if "-1" in n else 0 for n in answer.key_points)
        expected = (
            Outlook.BULLISH if points >= 2 else Outlook.BEARISH if points <= -2 else Outlook.NEUTRAL
        )
        assert answer.stance is expected
