"""The analyst picker, the runs history and the decision audit's full inputs on a live API.

The picker's roster is the one the run used (the API's thread state says which analysts ran). A
cycle run by the CLI's own entry point (``arun_cycle`` on an engine of its own over the same
ledger and checkpoints, trigger ``cli``) is listed with who started it, its status and orders,
and opened from the list: the page replays its stored events and draws what the thread state
holds. The audit's full inputs are what the ledger's audit route returns, field for field.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from config.settings import Settings
from graph.engine import TradingEngine
from graph.runner import arun_cycle
from tests.integration.server.helpers import TICKERS, BrokerGate, ledger_orders
from tests.integration.server.live_server import LiveServer
from tests.integration.ui.conftest import AS_OF, screenshot
from tests.integration.ui.pages import RAN, api, node_states, open_page, start_run, wait_idle
from tools.brokers.paper import PaperBroker
from tools.clock import FixedClock

pytestmark = pytest.mark.integration

PICKED = ["technicals", "valuation", "warren_buffett"]


def test_the_picked_analysts_are_the_ones_that_ran(live_api: LiveServer, page: Any) -> None:
    open_page(page, live_api.url)
    with api(live_api.url) as http:
        roster = http.get("/api/v1/ui/analysts").json()
    boxes = page.locator("#analyst-picker input[type=checkbox]")
    assert boxes.count() == len(roster["analysts"])
    checked = page.eval_on_selector_all(
        "#analyst-picker input:checked", "els => els.map(e => e.value)"
    )
    assert checked == [a for a in roster["analysts"] if a in roster["default"]]
    for name in roster["analysts"]:
        page.set_checked(f"#analyst-picker input[value='{name}']", name in PICKED)
    thread_id = start_run(page, TICKERS)
    wait_idle(page, "completed")
    with api(live_api.url) as http:
        values = http.get(f"/threads/{thread_id}/state").json()["values"]
    assert values["request"]["analysts"] == PICKED
    assert {v["analyst"] for v in values["analyst_verdicts"]} == set(PICKED)
    columns = page.eval_on_selector_all("#grid thead tr > *", "c => c.map(t => t.textContent)")
    assert sorted(columns[1:]) == sorted(PICKED)
    screenshot(page, "analyst-picker")


def _cli_cycle(
    settings: Settings, thread_id: str, gate: list[BrokerGate] | None = None
) -> Callable[[], None]:
    """What ``hedgegraph run`` does: its own engine, the same ledger and checkpoints. Started
    in a thread (Playwright's loop owns the main one); the returned call waits for its end.
    With ``gate``, the CLI engine's paper broker holds its submissions behind a ``BrokerGate``."""

    async def cycle() -> None:
        async with TradingEngine.open(settings, purpose="cycle", clock=FixedClock(AS_OF)) as eng:
            if gate is not None:
                broker = eng.context.broker
                assert isinstance(broker, PaperBroker)
                gate.append(BrokerGate(broker))
                broker.submit_order = gate[0].submit_order  # type: ignore[method-assign]
            await arun_cycle(eng, thread_id=thread_id, tickers=TICKERS, mode="signal")

    failures: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(cycle())
        except BaseException as exc:  # reported by the waiter, in the test's thread
            failures.append(exc)

    worker = threading.Thread(target=target)
    worker.start()

    def finished() -> None:
        if gate:
            gate[0].release.set()
        worker.join(timeout=180)
        assert not worker.is_alive() and not failures, failures

    return finished


def test_a_cli_run_still_running_is_followed_from_the_list_to_its_end(
    live_api: LiveServer, api_settings: Settings, page: Any
) -> None:
    thread_id = "cli-live-1"
    gate: list[BrokerGate] = []
    finished = _cli_cycle(api_settings, thread_id, gate)
    try:
        deadline = time.monotonic() + 120
        while not (gate and gate[0].submitting.wait(timeout=0.1)):
            assert time.monotonic() < deadline, "the CLI cycle never reached its broker"
        open_page(page, live_api.url)
        listed = page.locator("#runs tbody tr[data-trigger='cli']")
        assert listed.locator("td").nth(4).inner_text() == "running"
        run_id = listed.get_attribute("data-key")
        listed.locator("button[data-action='open']").click()
        page.wait_for_selector("#graph g[data-node='risk_gate'][data-state='done']")
        assert page.evaluate("document.body.dataset.run") == "running"  # it waits for more
        assert page.locator("#orders tbody tr").count() == 0  # nothing submitted yet
        screenshot(page, "cli-run-live")
    finally:
        finished()  # the submission goes on; the page picks up the rest
    wait_idle(page, "completed")
    with api(live_api.url) as http:
        stored = http.get(f"/api/v1/ui/runs/{run_id}/events").json()
    assert int(page.evaluate("document.body.dataset.frames")) == len(stored["events"])
    states = node_states(page)
    assert states["execute"] == states["record"] == "done", states
    orders = page.eval_on_selector_all("#orders tbody tr", "trs => trs.map(t => t.dataset.key)")
    assert sorted(orders) == sorted(
        o.client_order_id for o in ledger_orders(api_settings, thread_id)
    )
    assert orders


def test_a_cli_run_is_listed_opened_and_audited_with_its_full_inputs(
    live_api: LiveServer, api_settings: Settings, page: Any
) -> None:
    thread_id = "cli-history-1"
    _cli_cycle(api_settings, thread_id)()
    open_page(page, live_api.url)
    with api(live_api.url) as http:
        (run,) = [r for r in http.get("/api/v1/ui/runs").json() if r["thread_id"] == thread_id]
        stored = http.get(f"/api/v1/ui/runs/{run['run_id']}/events").json()
        values = http.get(f"/threads/{thread_id}/state").json()["values"]
        audit = http.get(f"/api/v1/threads/{thread_id}/audit").json()
    on_ledger = [o.client_order_id for o in ledger_orders(api_settings, thread_id)]
    assert on_ledger and sorted(run["orders"]) == sorted(on_ledger)

    listed = page.locator(f"#runs tbody tr[data-key='{run['run_id']}']")
    cells = listed.locator("td").all_inner_texts()
    assert listed.get_attribute("data-trigger") == "cli"
    assert cells[3] == "cli" and cells[4] == "completed" and cells[5] == str(len(on_ledger))
    screenshot(page, "runs-history")

    listed.locator("button[data-action='open']").click()
    wait_idle(page, "completed")
    assert int(page.evaluate("document.body.dataset.frames")) == len(stored["events"]) > 0
    states = node_states(page)
    assert all(states[n] == "done" for n in [*RAN, "execute", "record"]), states
    keys = "trs => trs.map(t => t.dataset.key)"
    decisions = page.eval_on_selector_all("#decisions tbody tr", keys)
    assert sorted(decisions) == sorted(d["ticker"] for d in values["decisions"])
    orders = page.eval_on_selector_all("#orders tbody tr", keys)
    assert sorted(orders) == sorted(on_ledger)  # one row each, none twice

    page.click(f"#runs tbody tr[data-key='{run['run_id']}'] button[data-action='audit']")
    page.wait_for_selector(f"#audit-thread:text('{thread_id}')")
    for d in audit["decisions"]:
        tr = page.locator(f"#audit tbody tr[data-key='{d['decision_id']}']")
        tr.locator("details summary").click()
        shown = dict(
            zip(
                tr.locator("dd").evaluate_all("dds => dds.map(d => d.dataset.field)"),
                tr.locator("dd").all_inner_texts(),
                strict=True,
            )
        )
        assert shown["Model"] == f"{d['policy']} · {d['model']}"
        assert shown["Inputs digest"] == d["inputs_digest"]
        assert shown["Prompt hash"] == (d["prompt_hash"] or "none (no prompt)")
        assert shown["Reasoning"] == d["reasoning"]
        assert shown["Orders"] == (" ".join(d["order_client_ids"]) or "none")
        for v in d["analyst_verdicts"]:
            assert f"{v['analyst']}: {v['signal']}" in shown["Analyst verdicts"]
    screenshot(page, "decision-audit")
    page.click("#theme")
    for width in (1280, 1024, 700):  # wide tables scroll inside their card, never the page
        page.set_viewport_size({"width": width, "height": 900})
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (width, overflow)
    screenshot(page, "decision-audit-dark-narrow")
