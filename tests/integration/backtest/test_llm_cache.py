"""The LLM path in a backtest: analysts and the PM ask a real HTTP server (the local OpenAI-wire
fake); a re-run of the same period with the same models is answered by the prompt cache alone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from config.settings import load_settings
from domain import VerdictSource
from graph.backtest import BacktestConfig, run_backtest
from tests.fakes.llm_server import FakeLLM, running_llm_server


@pytest.fixture(scope="module")
def llm_server() -> Iterator[FakeLLM]:
    with running_llm_server() as fake:
        yield fake


async def test_a_rerun_of_the_same_period_makes_no_llm_call(
    llm_server: FakeLLM, shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("THRESHOLDS__MIN_ANALYST_COVERAGE", "1")
    llm_server.reset()
    settings = load_settings(
        hedgegraph_home=tmp_path / "home",
        llm_provider="openai",
        llm_model="test-model",
        openai_base_url=llm_server.openai_url,
        openai_api_key="sk-test",
        redis_url=None,
        llm={"request_timeout_seconds": 15, "max_attempts": 2, "cache": "sqlite"},
    )
    config = BacktestConfig(
        tickers=("AAPL", "MSFT"),
        start=date(2022, 3, 1),
        end=date(2022, 3, 14),
        data_dir=shared_data / "prices",
        analysts=("technicals",),
        benchmark=None,
    )
    first = await run_backtest(config, settings)
    calls = llm_server.count
    assert calls > 0 and first.llm_calls == calls
    judged = [v for s in first.sessions for v in s.analyst_verdicts]
    assert judged and all(v.source is VerdictSource.LLM for v in judged)

    again = await run_backtest(config, settings)
    assert llm_server.count == calls, "the re-run asked the server again"
    assert again.llm_calls == 0
    assert [s.decisions for s in again.sessions] == [s.decisions for s in first.sessions]
    assert again.trades == first.trades
