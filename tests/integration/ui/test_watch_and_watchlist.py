"""A run started elsewhere (any API client: the CLI's scheduler, the SDK) opened on the page by
its thread id and watched to the end; the watchlist offered as tickers to pick."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.server.helpers import trading_input
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
