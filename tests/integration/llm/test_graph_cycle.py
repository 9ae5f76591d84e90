"""The whole graph on the embedded stack with an LLM configured: a broken LLM never kills the run
and never trades; a working one drives the analysts and the PM inside the envelope."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from config.settings import load_settings
from domain import TradeAction, VerdictSignal, VerdictSource
from graph.assembly import build_context
from graph.checkpoints.factory import aopen_checkpointer
from graph.modes import WorkflowMode
from graph.runner import CycleStatus, arun_cycle
from tests.fakes.llm_server import FakeLLM
from tools.clock import FixedClock
from tools.persistence.sql_ledger import SqlLedger

pytestmark = pytest.mark.integration

AS_OF = datetime(2025, 3, 11, 15, 0, tzinfo=UTC)
TICKERS = ["AAPL", "MSFT", "NVDA", "AMZN", "META", "TSLA", "GOOGL", "JPM"]


async def run_cycle(fake: FakeLLM, tmp_path: Path, thread: str):  # type: ignore[no-untyped-def]
    settings = load_settings(
        hedgegraph_home=tmp_path / "home",
        data_providers=["offline"],
        broker="paper",
        trading_session_mode="autonomous",
        llm_provider="openai",
        llm_model="test-model",
        openai_base_url=fake.openai_url,
        openai_api_key="sk-test",
        redis_url=None,
        llm={"request_timeout_seconds": 15, "max_attempts": 2, "retry_backoff_seconds": 0.01},
    )
    context = build_context(settings, clock=FixedClock(AS_OF))
    async with aopen_checkpointer(settings.effective_checkpoint_url) as saver:
        return await arun_cycle(
            context,
            saver,
            thread_id=thread,
            tickers=TICKERS,
            mode=WorkflowMode.SIGNAL,
            session_mode="autonomous",
        )


@pytest.mark.parametrize("mode", ["garbage", "error500"])
async def test_a_broken_llm_records_no_signal_and_trades_nothing(
    fake: FakeLLM, tmp_path: Path, mode: str
) -> None:
    fake.reset(mode=mode)
    result = await run_cycle(fake, tmp_path, f"llm-{mode}")
    assert result.status is CycleStatus.COMPLETED
    assert result.analyst_verdicts, "precondition: the synthetic market yields candidates"
    judged = [v for v in result.analyst_verdicts if v.source is VerdictSource.LLM]
    assert judged and fake.count > 0
    reason = "unparsable" if mode == "garbage" else "provider_error"
    assert all(v.signal is VerdictSignal.NO_SIGNAL for v in judged)
    assert all(v.failure_reason == reason for v in judged)
    assert not any(v.signal.is_directional for v in result.analyst_verdicts)
    for decision in result.decisions:
        assert decision.action is TradeAction.HOLD and decision.quantity == 0
    assert result.orders == []


async def test_a_working_llm_decides_inside_the_envelope(fake: FakeLLM, tmp_path: Path) -> None:
    fake.reset(pm_answer={"action": "buy", "quantity": 1e9, "confidence": 0.9})
    result = await run_cycle(fake, tmp_path, "llm-ok")
    assert result.status is CycleStatus.COMPLETED
    assert any(v.source is VerdictSource.LLM for v in result.analyst_verdicts)
    buys = [d for d in result.decisions if d.action is TradeAction.BUY]
    assert buys, "precondition: the bullish judgements should pass the consensus guard"
    for decision in result.decisions:
        assert decision.policy == "llm:test-model"
        if decision.action is TradeAction.BUY:
            assert any(c.startswith("quantity_above_max:buy") for c in decision.clamps)
            assert decision.quantity < 1_000_000


async def test_the_decision_audit_links_the_pm_prompt(fake: FakeLLM, tmp_path: Path) -> None:
    """Invariant 6: every LLM decision's audit row names the model and the PM prompt's hash."""
    fake.reset(pm_answer={"action": "hold", "quantity": 0, "confidence": 0.5})
    result = await run_cycle(fake, tmp_path, "llm-audit")
    assert result.decisions
    ledger = SqlLedger.from_url(f"sqlite:///{tmp_path / 'home' / 'hedgegraph.sqlite'}")
    audit = {row.ticker: row for row in ledger.decisions_for_thread("llm-audit")}
    assert set(audit) == {d.ticker for d in result.decisions}
    for row in audit.values():
        assert row.model == "test-model"
        assert row.prompt_hash is not None and len(row.prompt_hash) >= 16
    assert len({row.prompt_hash for row in audit.values()}) == len(audit)  # one prompt per ticker
