"""The server ends the page's SSE stream mid-run (its stream route switched off, then on): the
page joins the run again from the last event id it saw and catches up with every event applied
once (no duplicated row, no node counted twice), and no console error at all."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any, cast

import pytest
from fastapi import FastAPI

from api.server.app import create_app
from api.server.auth import ApiKey
from config.settings import Settings
from tests.integration.server.helpers import TICKERS, held_submissions, ledger_orders
from tests.integration.server.live_server import LiveServer, serving
from tests.integration.ui.conftest import API_KEY, AS_OF, screenshot
from tests.integration.ui.pages import log_frames, node_states, open_page, start_run, wait_idle
from tests.integration.ui.sse_switch import SseSwitch
from tools.clock import FixedClock

pytestmark = pytest.mark.integration


@pytest.fixture
def switched(api_settings: Settings) -> Iterator[tuple[LiveServer, SseSwitch]]:
    app = create_app(api_settings, key=ApiKey(API_KEY), clock=FixedClock(AS_OF))
    switch = SseSwitch(app)
    with serving(cast(FastAPI, switch)) as server:
        yield LiveServer(server.url, app), switch


def test_a_stream_the_server_ends_mid_run_is_joined_again_without_duplicates(
    switched: tuple[LiveServer, SseSwitch],
    api_settings: Settings,
    page: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    live, switch = switched
    with held_submissions(live.app, monkeypatch) as gate:
        open_page(page, live.url)
        thread_id = start_run(page, TICKERS)
        assert gate.submitting.wait(timeout=60), "the run never reached the broker"
        switch.drop()
        page.wait_for_selector("body[data-reconnects]")  # the page saw its stream end
        assert switch.closed >= 1
        gate.release.set()  # the run goes on with its route down
        deadline = time.monotonic() + 30
        while not ledger_orders(api_settings, thread_id) and time.monotonic() < deadline:
            time.sleep(0.1)
        screenshot(page, "sse-route-down")
        switch.restore()
        wait_idle(page, "completed")
    run_id = page.evaluate("document.body.dataset.runId")
    assert int(page.evaluate("document.body.dataset.frames")) == log_frames(
        live.url, thread_id, run_id
    )
    states = node_states(page)
    assert states["execute"] == states["record"] == "done"
    analysts = page.locator("#grid thead tr > *").count() - 1
    assert f"({analysts} tasks)" in (page.text_content("#graph g[data-node='analyst'] .dur") or "")
    keys = page.evaluate(
        "[...document.querySelectorAll('#orders tbody tr')].map(r => r.dataset.key)"
    )
    on_ledger = [o.client_order_id for o in ledger_orders(api_settings, thread_id)]
    assert on_ledger and sorted(keys) == sorted(on_ledger) and len(set(keys)) == len(keys)
