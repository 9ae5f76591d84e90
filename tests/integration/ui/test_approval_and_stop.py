"""Approval and the emergency stop from the page.

A supervised run stops at its approval with the pending order and its gate verdict on the page;
approving (with a note) runs it through the gate again and to the broker, and the order shows;
rejecting vetoes it. The emergency stop asks first (cancelling the dialog changes nothing),
then HALTs, flattens through the gate and leaves no open order, as the API agrees; resume
asks too and goes back to ACTIVE.
"""

from __future__ import annotations

from typing import Any

import pytest

from config.settings import Settings
from tests.integration.server.helpers import TICKERS, ledger_orders
from tests.integration.server.live_server import LiveServer
from tests.integration.ui.conftest import screenshot
from tests.integration.ui.pages import api, node_states, open_page, start_run, wait_idle

pytestmark = pytest.mark.integration


def _awaiting(page: Any) -> None:
    wait_idle(page, "awaiting_approval")
    page.wait_for_selector("#approval-card", state="visible")
    assert node_states(page)["approval"] == "waiting"
    assert node_states(page)["execute"] == "idle"


def test_a_supervised_run_approved_on_the_page_places_its_order(
    live_api: LiveServer, api_settings: Settings, page: Any
) -> None:
    open_page(page, live_api.url)
    thread_id = start_run(page, TICKERS, session="supervised")
    _awaiting(page)
    pending = page.evaluate(
        "[...document.querySelectorAll('#approval-table tbody tr')].map(r => r.dataset.key)"
    )
    with api(live_api.url) as http:
        interrupts = http.get(f"/threads/{thread_id}/state").json()["interrupts"]
    asked = [v["intent"]["client_order_id"] for v in interrupts[0]["value"]["verdicts"]]
    assert pending == asked and asked
    assert ledger_orders(api_settings, thread_id) == []  # nothing went out before approval
    screenshot(page, "approval")

    page.fill("#approval-note", "checked the size")
    page.click("#approve")
    wait_idle(page, "completed")
    states = node_states(page)
    assert states["approval"] == states["execute"] == states["record"] == "done"
    orders = page.evaluate(
        "[...document.querySelectorAll('#orders tbody tr')].map(r => r.dataset.key)"
    )
    on_ledger = [o.client_order_id for o in ledger_orders(api_settings, thread_id)]
    assert set(asked) <= set(on_ledger) and set(on_ledger) <= set(orders)

    # The portfolio card's recent fills are the ledger's, newest first, this run's among them.
    with api(live_api.url) as http:
        fills = http.get("/api/v1/fills", params={"limit": 20}).json()
    assert {f["client_order_id"] for f in fills} & set(asked), fills
    page.wait_for_function(
        "n => document.querySelectorAll('#recent-fills tbody tr').length === n", arg=len(fills)
    )
    shown = page.evaluate(
        "[...document.querySelectorAll('#recent-fills tbody tr')]"
        ".map(r => [...r.cells].map(c => c.textContent))"
    )
    assert [(r[1], r[2], r[5]) for r in shown] == [
        (f["ticker"], f["side"], f["client_order_id"]) for f in fills
    ]
    assert page.is_hidden("#recent-fills-empty")
    screenshot(page, "approved")


def test_a_rejected_run_is_vetoed_and_sends_nothing(
    live_api: LiveServer, api_settings: Settings, page: Any
) -> None:
    open_page(page, live_api.url)
    thread_id = start_run(page, TICKERS, session="supervised")
    _awaiting(page)
    page.fill("#approval-note", "not today")
    page.click("#reject")
    wait_idle(page, "completed")
    assert "human rejected" in page.inner_text("#verdicts tbody")
    assert page.locator("#orders tbody tr").count() == 0
    assert ledger_orders(api_settings, thread_id) == []


def test_the_emergency_stop_asks_then_halts_and_flattens(live_api: LiveServer, page: Any) -> None:
    open_page(page, live_api.url)
    start_run(page, TICKERS)
    wait_idle(page, "completed")
    page.click("#refresh")
    page.wait_for_selector("#positions tbody tr")

    page.click("#reduce-only")
    page.wait_for_selector("#trading-badge[data-status='reducing']")

    page.click("#halt")
    page.wait_for_selector("#confirm[open]")
    screenshot(page, "emergency-stop-confirm")
    page.click("#confirm button[value='cancel']")
    page.wait_for_timeout(500)
    assert page.get_attribute("#trading-badge", "data-status") == "reducing"
    with api(live_api.url) as http:
        assert http.get("/api/v1/trading/state").json()["status"] == "reducing"

    page.click("#halt")
    page.fill("#confirm-reason", "operator drill")
    page.click("#confirm-yes")
    page.wait_for_selector("#trading-badge[data-status='halted']")
    assert "operator drill" in page.inner_text("#trading-reason")
    assert page.locator("#positions tbody tr").count() == 0
    assert page.locator("#open-orders tbody tr").count() == 0
    with api(live_api.url) as http:
        state = http.get("/api/v1/trading/state").json()
    assert state["status"] == "halted"
    assert state["positions"] == [] and state["open_orders"] == []
    screenshot(page, "halted")

    page.click("#resume")  # back to ACTIVE only through its own confirmation
    page.click("#confirm-yes")
    page.wait_for_selector("#trading-badge[data-status='active']")


def test_the_emergency_stop_is_reachable_from_the_keyboard_and_escape_cancels_it(
    live_api: LiveServer, page: Any
) -> None:
    open_page(page, live_api.url)
    page.click("#resume")  # a dialog answered "yes" once must not answer the next one
    page.click("#confirm-yes")
    page.wait_for_selector("#confirm", state="hidden")
    page.focus("#run-form input")
    for _ in range(40):  # Tab through the page's controls until the stop has the focus
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "halt":
            break
    else:
        pytest.fail("the emergency stop is not reachable with Tab")
    page.keyboard.press("Enter")
    page.wait_for_selector("#confirm[open]")
    page.keyboard.press("Escape")
    page.wait_for_selector("#confirm", state="hidden")
    page.wait_for_timeout(300)
    with api(live_api.url) as http:
        assert http.get("/api/v1/trading/state").json()["status"] == "active"
    assert page.get_attribute("#trading-badge", "data-status") == "active"
