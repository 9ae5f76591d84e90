"""The research tools over the real offline data layer: point in time, loop detection, refusals."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest

from domain import Bar, FinancialMetrics, InsiderTrade, NewsItem
from mazo_bridge.depth import DEPTH_BUDGETS, ResearchDepth, budget_for
from mazo_bridge.toolbox import TOOL_NAMES, ResearchToolbox
from tools.market_data.offline import OfflineMarketData

AS_OF = datetime(2025, 6, 2, 21, 0, tzinfo=UTC)


class RecordingProvider:
    """The real offline market, recording the ``as_of`` of every read (what the tools asked)."""

    name = "recording-offline"

    def __init__(self) -> None:
        self.inner = OfflineMarketData()
        self.as_ofs: list[datetime] = []

    def bars(self, ticker: str, *, start: date, as_of: datetime) -> list[Bar]:
        self.as_ofs.append(as_of)
        return self.inner.bars(ticker, start=start, as_of=as_of)

    def financial_metrics(
        self, ticker: str, *, as_of: datetime, limit: int = 8
    ) -> list[FinancialMetrics]:
        self.as_ofs.append(as_of)
        return self.inner.financial_metrics(ticker, as_of=as_of, limit=limit)

    def news(self, ticker: str, *, as_of: datetime, limit: int = 50) -> list[NewsItem]:
        self.as_ofs.append(as_of)
        return self.inner.news(ticker, as_of=as_of, limit=limit)

    def insider_trades(
        self, ticker: str, *, as_of: datetime, limit: int = 50
    ) -> list[InsiderTrade]:
        self.as_ofs.append(as_of)
        return self.inner.insider_trades(ticker, as_of=as_of, limit=limit)


def out(box: ResearchToolbox, tool: str, **args: Any) -> dict[str, Any]:
    result = box.call(tool, args)
    assert result.status == "ok", result.output
    parsed: dict[str, Any] = json.loads(result.output)
    return parsed


def test_every_tool_reads_at_the_toolbox_as_of_and_nothing_later() -> None:
    provider = RecordingProvider()
    box = ResearchToolbox(provider, AS_OF)
    prices = out(box, "get_prices", ticker="aapl", lookback_sessions=20)
    metrics = out(box, "get_financial_metrics", ticker="AAPL", periods=4)
    news = out(box, "get_news", ticker="AAPL", limit=10)
    insider = out(box, "get_insider_trades", ticker="AAPL", limit=10)
    assert provider.as_ofs and set(provider.as_ofs) == {AS_OF}
    assert prices["ticker"] == "AAPL" and prices["sessions"] == 20
    assert prices["last_date"] <= "2025-06-02"
    bars = OfflineMarketData().bars("AAPL", start=date(2025, 5, 1), as_of=AS_OF)
    assert prices["last_close"] == round(bars[-1].close, 2)
    assert metrics["periods"] and all(p["report_period"] < "2025-06-02" for p in metrics["periods"])
    assert news["items"] == 10
    assert all(h["published"] <= AS_OF.isoformat() for h in news["headlines"])
    assert all(t["filed"] <= "2025-06-02" for t in insider["recent"])
    # sources carry the point in time and the validated arguments
    sources = box.sources()
    assert [s.tool for s in sources] == [
        "get_prices",
        "get_financial_metrics",
        "get_news",
        "get_insider_trades",
    ]
    assert all(s.as_of == AS_OF for s in sources)
    assert sources[0].args == {"ticker": "AAPL", "lookback_sessions": 20}


def test_a_model_cannot_move_the_point_in_time() -> None:
    box = ResearchToolbox(OfflineMarketData(), AS_OF)
    result = box.call("get_prices", {"ticker": "AAPL", "as_of": "2030-01-01T00:00:00Z"})
    assert result.status == "refused" and "as_of" in result.output
    assert box.sources() == ()


def test_the_same_call_twice_is_refused_and_different_arguments_run() -> None:
    box = ResearchToolbox(OfflineMarketData(), AS_OF)
    first = box.call("get_news", {"ticker": "AAPL", "limit": 5})
    again = box.call("get_news", {"ticker": "aapl", "limit": 5})  # same call once normalised
    other = box.call("get_news", {"ticker": "AAPL", "limit": 6})
    assert (first.status, again.status, other.status) == ("ok", "refused", "ok")
    assert first.call_id in json.loads(again.output)["refused"]
    assert len(box.executed) == 2 and len(box.refused) == 1


def test_unknown_tools_and_bad_arguments_are_refused_with_the_field_named() -> None:
    box = ResearchToolbox(OfflineMarketData(), AS_OF)
    unknown = box.call("submit_order", {"ticker": "AAPL", "qty": 1000})
    bad = box.call("get_prices", {"ticker": "AAPL", "lookback_sessions": 100000})
    assert unknown.status == "refused" and "unknown tool 'submit_order'" in unknown.output
    assert bad.status == "refused" and "lookback_sessions" in bad.output


def test_data_the_provider_lacks_is_reported_as_data_not_an_exception() -> None:
    box = ResearchToolbox(OfflineMarketData(), AS_OF)
    assert "unsupported" in out(box, "get_line_items", ticker="AAPL")
    assert "unsupported" in out(box, "get_company_facts", ticker="AAPL")

    class Broken(RecordingProvider):
        def news(self, ticker: str, *, as_of: datetime, limit: int = 50) -> list[NewsItem]:
            raise ConnectionError("vendor down")

    broken = ResearchToolbox(Broken(), AS_OF).call("get_news", {"ticker": "AAPL"})
    assert broken.status == "error" and "vendor down" in broken.output


def test_naive_as_of_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        ResearchToolbox(OfflineMarketData(), datetime(2025, 6, 2))


def test_tool_schemas_are_function_specs_without_an_as_of() -> None:
    specs = {s.name: s.function_schema() for s in ResearchToolbox.specs()}
    assert tuple(specs) == TOOL_NAMES
    for spec in specs.values():
        params = spec["function"]["parameters"]
        assert spec["type"] == "function" and "ticker" in params["required"]
        assert "as_of" not in params["properties"]


def test_deeper_depths_have_larger_budgets_in_every_dimension() -> None:
    quick, standard, deep = (DEPTH_BUDGETS[d] for d in ResearchDepth)
    for field in ("planning_steps", "tool_calls", "tokens", "wall_seconds"):
        assert getattr(quick, field) < getattr(standard, field) < getattr(deep, field), field
    assert budget_for("deep", wall_cap_seconds=5).wall_seconds == 5
    assert budget_for("quick", wall_cap_seconds=500).wall_seconds == quick.wall_seconds
