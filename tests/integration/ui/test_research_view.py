"""The research view against a live server: a question's plan and tool calls arrive over SSE
before its answer, and what the card shows (each tool call, then the answer's stance,
confidence, key points, risks and sources) is what the API's thread state holds for the
session's thread; a follow-up in the same session is a second turn of that thread, built on the
first answer. Rules-only on the embedded stack; nothing reaches a broker."""

from __future__ import annotations

from typing import Any

import pytest

from config.settings import Settings
from tests.integration.server.helpers import ledger_orders
from tests.integration.server.live_server import LiveServer
from tests.integration.ui.conftest import ConsoleLog, screenshot
from tests.integration.ui.pages import api, open_page

pytestmark = pytest.mark.integration

_WATCH = """() => {
  const seen = window.researchSeen = [];
  const answer = document.querySelector('#research-answer');
  new MutationObserver((records) => {
    for (const r of records) {  // one observer: records in the order the page made them
      if (r.target.matches('#research-tools tbody') && r.addedNodes.length) seen.push('tool');
      else if (r.target.matches('#research-plan') && r.addedNodes.length) seen.push('plan');
      else if (r.target === answer && !answer.hidden) seen.push('answer');
    }
  }).observe(document.querySelector('#research-card'),
             { childList: true, subtree: true, attributes: true, attributeFilter: ['hidden'] });
}"""
"""Records, in order, when the page drew a plan line, a tool row and the answer."""


def _texts(page: Any, selector: str) -> list[str]:
    texts: list[str] = page.locator(selector).all_inner_texts()
    return texts


def _ask(page: Any, question: str, *, tickers: str = "", turns: int) -> None:
    page.fill("#research-question", question)
    page.fill("#research-tickers", tickers)
    page.click("#research-ask")
    page.wait_for_selector(f"body[data-research-turns='{turns}'][data-research='idle']")


def _state(url: str, thread_id: str) -> dict[str, Any]:
    with api(url) as http:
        values: dict[str, Any] = http.get(f"/threads/{thread_id}/state").json()["values"]
    return values


def test_a_research_question_streams_its_tool_calls_then_the_answer_and_a_follow_up(
    live_api: LiveServer, api_settings: Settings, page: Any, console: ConsoleLog
) -> None:
    console.allow(r"status of 422")  # the refused question below, and only it
    open_page(page, live_api.url)
    page.evaluate(_WATCH)
    page.select_option("#research-depth", "quick")
    _ask(page, "How has MSFT traded lately?", tickers="msft", turns=1)
    thread_id: str = page.evaluate("document.body.dataset.researchThread")
    answer = _state(live_api.url, thread_id)["answer"]

    seen: list[str] = page.evaluate("window.researchSeen")
    assert "plan" in seen and "tool" in seen and "answer" in seen, seen
    assert seen.index("plan") < seen.index("tool") < seen.index("answer"), seen

    tools = page.evaluate(
        "[...document.querySelectorAll('#research-tools tbody tr')]"
        ".map(tr => [...tr.children].map(td => td.textContent))"
    )
    ok = [t for t in tools if t[3] == "ok"]
    assert [t[0] for t in ok] == [s["call_id"] for s in answer["sources"]]
    assert [t[1] for t in ok] == [s["tool"] for s in answer["sources"]]
    assert all("ticker=MSFT" in t[2] for t in tools)

    assert page.inner_text("#research-summary") == answer["summary"]
    assert page.inner_text("#research-stance") == answer["stance"]
    assert page.inner_text("#research-confidence") == f"{answer['confidence']:.2f}"
    assert "rules-only" in page.inner_text("#research-mark")
    assert _texts(page, "#research-points li") == answer["key_points"]
    assert _texts(page, "#research-risks li") == answer["risks"]
    sources = _texts(page, "#research-sources li")
    assert [s.split(":")[0] for s in sources] == [s["call_id"] for s in answer["sources"]]
    streamed = page.text_content("#research-stream") or ""  # the messages-tuple chunks
    assert streamed.startswith(answer["summary"]) and all(p in streamed for p in answer["risks"])
    screenshot(page, "research")

    # a follow-up in the same session: no ticker named, the thread remembers it
    _ask(page, "And what does that mean now?", turns=2)
    assert page.evaluate("document.body.dataset.researchThread") == thread_id
    values = _state(live_api.url, thread_id)
    follow = values["answer"]
    assert follow["tickers"] == ["MSFT"]
    assert f"builds on the earlier answer: {answer['summary']}" in follow["key_points"]
    assert _texts(page, "#research-points li") == follow["key_points"]
    turns = _texts(page, "#research-turns li")
    assert [t.split(" → ")[0] for t in turns] == [h["question"] for h in values["history"]]
    assert ledger_orders(api_settings, thread_id) == []

    # a bad question is refused with the field named, nothing run
    page.fill("#research-question", "compare what?")
    page.select_option("#research-template", "compare")
    page.fill("#research-tickers", "MSFT")
    page.click("#research-ask")
    page.wait_for_selector("#research-status:has-text('refused')")  # no eval under the CSP
    assert "tickers" in page.inner_text("#research-status")
    assert _state(live_api.url, thread_id)["answer"] == follow
