"""Multi-turn research threads: checkpointed, resumable; a follow-up builds on the first answer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from config.settings import Settings, load_settings
from mazo_bridge.sessions import ResearchSessions
from tests.fakes.research_llm_server import FakeResearchModel
from tools.market_data.factory import build_market_data

pytestmark = pytest.mark.integration

AS_OF = datetime(2025, 6, 2, 21, 0, tzinfo=UTC)


def sessions_for(settings: Settings) -> ResearchSessions:
    return ResearchSessions(settings, build_market_data(settings))


async def test_a_follow_up_uses_the_first_answer(
    model: FakeResearchModel, settings_for: Callable[..., Settings], provider: str
) -> None:
    settings = settings_for(provider)
    first = await sessions_for(settings).ask(
        "How has AAPL traded?", ["AAPL"], as_of=AS_OF, depth="quick", thread_id="th-1"
    )
    assert first.validated
    model.reset()
    # a new sessions object, as a later process would build: the thread is the checkpoint
    follow = await sessions_for(settings).ask(
        "And is that move supported by the news?", [], as_of=AS_OF, depth="quick", thread_id="th-1"
    )
    # the model was shown the first question, answer and tool outputs ...
    understand = model.seen[0]
    assert understand.kind == "understand"
    shown = understand.messages[1]["content"]
    assert "How has AAPL traded?" in shown and first.summary in shown
    assert '"t1.call_1"' in shown  # the earlier tool results, by their call ids
    # ... kept researching AAPL though the follow-up named no ticker, and built on the answer
    assert follow.tickers == ("AAPL",)
    assert f"earlier answer: {first.summary}" in follow.summary
    assert follow.validated, follow.validation_errors  # the earlier numbers count as evidence
    assert {s.call_id for s in follow.sources} <= {f"t2.call_{i}" for i in range(1, 9)}
    history = await sessions_for(settings).history("th-1")
    assert [h["question"] for h in history] == [
        "How has AAPL traded?",
        "And is that move supported by the news?",
    ]
    # another thread starts fresh
    model.reset()
    await sessions_for(settings).ask(
        "How has MSFT traded?", [], as_of=AS_OF, depth="quick", thread_id="th-2"
    )
    assert "earlier answer" not in model.seen[-1].messages[1]["content"]
    assert '"earlier_turns": []' in model.seen[0].messages[1]["content"]


async def test_rules_only_threads_remember_the_ticker_and_the_answer(tmp_path: Path) -> None:
    settings = load_settings(hedgegraph_home=tmp_path / "home")
    first = await sessions_for(settings).ask(
        "How has AAPL traded?", ["AAPL"], as_of=AS_OF, depth="quick", thread_id="r-1"
    )
    follow = await sessions_for(settings).ask(
        "And now?", [], as_of=AS_OF, depth="quick", thread_id="r-1"
    )
    assert first.rules_only and follow.rules_only and follow.tickers == ("AAPL",)
    assert f"builds on the earlier answer: {first.summary}" in follow.key_points
    assert (tmp_path / "home" / "research_sessions.sqlite").exists()
    assert len(await sessions_for(settings).history("r-1")) == 2
