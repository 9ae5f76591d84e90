"""A run started elsewhere (any API client: the CLI's scheduler, the SDK) opened on the page by
its thread id, or picked from the recent threads, and watched to the end (a supervised one
approved from the page); the watchlist offered as tickers to pick."""

from __future__ import annotations

from typing import Any

import pytest

from config.settings import Settings
from tests.integration.server.helpers import ledger_orders, trading_input
from tests.integration.server.live_server import LiveServer
from tests.integration.ui.conftest import screenshot
from tests.integration.ui.pages import RAN, api, log_frames, node_states, open_page, wait_idle

pytestmark = pytest.mark.integration


def test_a_run_started_by_another_client_is_watched_to_its_end(
    live_api: LiveServer, page: Any
) -> None:
    with api(live_api.url) as http:
        thread_id = http.post("/threads", json={}).json()["thread_id"]
        created = http.post(
            f"/threads/{thread_id}/runs",
            json={"assistant_id": "trading", "input": trading_input(), "stream_resumable": True},
        )
        assert created.status_code == 200, created.text
        run_id = created.json()["run_id"]
    open_page(page, live_api.url)
    page.fill("#open-thread", thread_id)
    page.click("#open-form button[type=submit]")
    wait_idle(page, "completed")
    states = node_states(page)
    assert all(states[n] == "done" for n in [*RAN, "execute", "record"]), states
    assert int(page.evaluate("document.body.dataset.frames")) == log_frames(
        live_api.url, thread_id, run_id
    )
    assert page.locator("#grid td[data-signal]").count() > 0


def test_the_watchlist_is_offered_as_tickers(live_api: LiveServer, page: Any) -> None:
    with api(live_api.url) as http:
        for symbol in ("NVDA", "TSLA"):
            assert http.post("/api/v1/watchlist", json={"symbol": symbol}).status_code == 201
    open_page(page, live_api.url)
    page.fill("#tickers", "AAPL")
    page.click("#watchlist button:has-text('TSLA')")
    page.click("#watchlist button:has-text('TSLA')")  # a second click adds nothing
    page.click("#watchlist button:has-text('NVDA')")
    assert page.input_value("#tickers") == "AAPL, TSLA, NVDA"
    screenshot(page, "watchlist")


def test_a_supervised_run_started_elsewhere_is_listed_watched_and_approved_on_the_page(
    live_api: LiveServer, api_settings: Settings, page: Any
) -> None:
    with api(live_api.url) as http:
        thread_id = http.post("/threads", json={"metadata": {"started_by": "scheduler"}}).json()[
            "thread_id"
        ]
        waited = http.post(
            f"/threads/{thread_id}/runs/wait",
            json={"assistant_id": "trading", "input": trading_input("supervised")},
        )
        assert "__interrupt__" in waited.json(), waited.text
    open_page(page, live_api.url)
    listed = page.locator(f"#threads tr[data-key='{thread_id}']")
    assert "scheduler" in listed.inner_text() and "awaiting approval" in listed.inner_text()
    screenshot(page, "threads")
    listed.locator("button:has-text('Watch')").click()
    wait_idle(page, "awaiting_approval")
    page.wait_for_selector("#approval-card", state="visible")
    assert ledger_orders(api_settings, thread_id) == []
    page.click("#approve")
    wait_idle(page, "completed")
    on_ledger = [o.client_order_id for o in ledger_orders(api_settings, thread_id)]
    shown = page.evaluate(
        "[...document.querySelectorAll('#orders tbody tr')].map(r => r.dataset.key)"
    )
    assert on_ledger and set(on_ledger) <= set(shown)
    page.wait_for_selector(f"#threads tr[data-key='{thread_id}'] >> text=idle")
