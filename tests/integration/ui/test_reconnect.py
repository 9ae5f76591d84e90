"""A network drop mid-run: the page notices, joins the run's stream again with the last event id
it saw and catches up; every event of the log is applied once (no duplicated rows, no node
counted twice) and the run, which never depended on the page, finishes once."""

from __future__ import annotations

from typing import Any

import pytest

from config.settings import Settings
from tests.integration.server.helpers import TICKERS, held_submissions, ledger_orders
from tests.integration.server.live_server import LiveServer
from tests.integration.ui.conftest import ConsoleLog, screenshot
from tests.integration.ui.pages import log_frames, node_states, open_page, start_run, wait_idle
from tests.integration.ui.tcp_proxy import proxying

pytestmark = pytest.mark.integration


def test_a_dropped_stream_catches_up_from_the_last_event_id_without_duplicates(
    live_api: LiveServer,
    api_settings: Settings,
    page: Any,
    console: ConsoleLog,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the browser logs the cut stream and the joins it tried while the network was down
    # (transport errors only: a refused key or a 5xx logs "status of ..." and still fails)
    console.allow(r"^Failed to load resource: net::ERR_")
    port = int(live_api.url.rsplit(":", 1)[1])
    with proxying(port) as proxy, held_submissions(live_api.app, monkeypatch) as gate:
        url = f"http://127.0.0.1:{proxy.port}"
        open_page(page, url)
        thread_id = start_run(page, TICKERS)
        assert gate.submitting.wait(timeout=60), "the run never reached the broker"
        proxy.cut()
        page.wait_for_selector("body[data-reconnects]")  # the page saw its stream die
        gate.release.set()  # the run goes on without any client
        page.wait_for_timeout(1500)
        screenshot(page, "reconnecting")
        proxy.restore()
        wait_idle(page, "completed")
    run_id = page.evaluate("document.body.dataset.runId")
    assert int(page.evaluate("document.body.dataset.frames")) == log_frames(
        live_api.url, thread_id, run_id
    )
    states = node_states(page)
    assert states["execute"] == states["record"] == "done"
    analysts = page.locator("#grid thead tr > *").count() - 1
    assert f"({analysts} tasks)" in (page.text_content("#graph g[data-node='analyst'] .dur") or "")
    keys = page.evaluate(
        "[...document.querySelectorAll('#orders tbody tr')].map(r => r.dataset.key)"
    )
    on_ledger = [o.client_order_id for o in ledger_orders(api_settings, thread_id)]
    assert sorted(keys) == sorted(on_ledger) and len(set(keys)) == len(keys)
