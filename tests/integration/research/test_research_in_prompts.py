"""In pre_research and full modes the research answer reaches the LLM analysts and the LLM PM
as typed input, and the decision audit keeps it.

Real cycles on the embedded stack: research is the research agent (``research.backend:
native``, rules-only: its answers have key points, risks and sources from the offline data);
the analysts and the PM ask the local model server over the OpenAI wire, so what they were shown
is read where a model would read it, in the requests the server received. The audit row is read
back from the ledger's own table.
"""

from __future__ import annotations

import dataclasses
import json
import re
import threading
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from agents.prompts import research_brief
from config.settings import load_settings
from domain import Direction, MarketSnapshot, ResearchFinding, ResearchStance, StrategySignal
from graph.assembly import build_context
from graph.checkpoints.factory import aopen_checkpointer
from graph.modes import WorkflowMode
from graph.runner import CycleStatus, arun_cycle
from mazo_bridge.external import ExternalResearchService
from tests.fakes.llm_server import FakeLLM, running_llm_server
from tools.clock import FixedClock
from tools.llm import build_llm
from tools.persistence.schema import DecisionAuditRow
from tools.persistence.sql_ledger import SqlLedger

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

AS_OF = datetime(2025, 3, 11, 15, 0, tzinfo=UTC)
TICKERS = ["AAPL", "MSFT", "NVDA", "AMZN", "META", "TSLA", "GOOGL", "JPM"]
_DATA = re.compile(r"<data>\n(.*)\n</data>", re.S)


@pytest.fixture(scope="module")
def llm_server() -> Iterator[FakeLLM]:
    with running_llm_server() as fake:
        yield fake


@pytest.fixture
async def saver(tmp_path: Path) -> AsyncIterator[Any]:
    settings = load_settings(hedgegraph_home=tmp_path / "ckpt")
    async with aopen_checkpointer(settings.effective_checkpoint_url) as checkpointer:
        yield checkpointer


def _shown(user: str) -> dict[str, Any]:
    """The JSON block a prompt quotes as data."""
    found = _DATA.search(user)
    assert found, user
    shown: dict[str, Any] = json.loads(found.group(1))
    return shown


@pytest.mark.parametrize("mode", [WorkflowMode.PRE_RESEARCH, WorkflowMode.FULL])
async def test_the_research_answer_is_in_the_analyst_and_pm_prompts_and_the_audit(
    llm_server: FakeLLM, saver: Any, tmp_path: Path, mode: WorkflowMode
) -> None:
    llm_server.reset()
    settings = load_settings(
        hedgegraph_home=tmp_path / "home",
        research={"backend": "native"},
        analysts=["technicals", "fundamentals"],
    )
    model = load_settings(
        llm_provider="openai",
        llm_model="test-model",
        openai_base_url=llm_server.openai_url,
        openai_api_key="sk-test",
        hedgegraph_home=tmp_path / "home",
        llm={"request_timeout_seconds": 15.0, "max_attempts": 2, "cache": "none"},
    )
    context = dataclasses.replace(
        build_context(settings, clock=FixedClock(AS_OF)), llm=build_llm(model)
    )
    thread = f"t-prompts-{mode.value}"
    result = await arun_cycle(
        context, saver, thread_id=thread, tickers=TICKERS, mode=mode, session_mode="autonomous"
    )
    assert result.status is CycleStatus.COMPLETED
    answered: dict[str, ResearchFinding] = {
        t: f for t, f in result.research.items() if f.key_points and f.risks
    }
    assert answered, "precondition: research answered some candidate with key points and risks"

    analyst_prompts: dict[str, list[dict[str, Any]]] = {}
    pm_prompts: dict[str, dict[str, Any]] = {}
    for request in llm_server.requests:
        shown = _shown(request.user)
        if request.user.startswith("Judge "):
            analyst_prompts.setdefault(shown["ticker"], []).append(shown)
        elif request.user.startswith("Decide for "):
            pm_prompts[shown["ticker"]] = shown
    for ticker, finding in answered.items():
        typed = {
            "stance": finding.stance.value,
            "outlook": finding.outlook,
            "confidence": finding.confidence,
            "key_points": list(finding.key_points),
            "risks": list(finding.risks),
            "sources": list(finding.sources),
        }
        assert finding.outlook in ("bullish", "bearish", "neutral") and finding.sources
        assert analyst_prompts.get(ticker), f"no LLM analyst judged {ticker}"
        for shown in analyst_prompts[ticker]:
            assert {k: shown["research"][k] for k in typed} == typed
        if finding.stance is not ResearchStance.UNAVAILABLE and ticker in pm_prompts:
            assert {k: pm_prompts[ticker]["research"][k] for k in typed} == typed
    assert set(pm_prompts) & set(answered), "the LLM PM decided a researched ticker"

    # the decision audit: each researched decision's row carries the research it was made with
    ledger = SqlLedger.from_url(settings.effective_database_url)
    with ledger.store.sessions() as session:
        rows = {
            r.ticker: r.decision
            for r in session.scalars(
                select(DecisionAuditRow).where(DecisionAuditRow.thread_id == thread)
            )
        }
    for ticker in set(pm_prompts) & set(answered):
        recorded = rows[ticker]["research"]
        assert recorded["key_points"] == list(answered[ticker].key_points)
        assert recorded["risks"] == list(answered[ticker].risks)
        assert recorded["sources"] == list(answered[ticker].sources)
        assert recorded["outlook"] == answered[ticker].outlook


_EXTERNAL = {
    "stance": "bullish",
    "confidence": 0.64,
    "summary": "demand holds up",
    "sources": ["prices 60 sessions"],
    "key_points": ["unit sales up two quarters running"],
    "risks": ["one customer is a third of revenue"],
}


@pytest.fixture
def external_url() -> Iterator[str]:
    """An external Mazo service on loopback that answers with key points and risks."""

    class Answer(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["content-length"]))
            body = json.dumps(_EXTERNAL).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Answer)
    worker = threading.Thread(target=server.serve_forever, daemon=True)
    worker.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/research"
    finally:
        server.shutdown()
        worker.join(timeout=5)


def test_an_external_answer_keeps_its_key_points_risks_and_outlook(
    tmp_path: Path, external_url: str
) -> None:
    settings = load_settings(
        hedgegraph_home=tmp_path / "home",
        research={"backend": "external", "external_url": external_url, "timeout_seconds": 10},
    )
    long = [StrategySignal(ticker="AAPL", strategy="m", direction=Direction.BULLISH, confidence=1)]
    finding = ExternalResearchService(settings).validate("AAPL", long, MarketSnapshot(as_of=AS_OF))
    assert finding.stance is ResearchStance.AGREES and finding.outlook == "bullish"
    assert list(finding.key_points) == _EXTERNAL["key_points"]
    assert list(finding.risks) == _EXTERNAL["risks"]
    shown = research_brief(finding, summary=False)
    assert shown["key_points"] == _EXTERNAL["key_points"] and "summary" not in shown
