"""A trading cycle the scheduler started is listed, opened and replayed on the page.

The slot runs through the real ``SlotRunner`` (lease, slot record, gating, the cycle job) on the
live API's ledger and checkpoints, pinned to the same market moment. With AUTO_TRADING_ENABLED
off (the default) it runs as analysis only: the scheduler rejects at the approval step with its
reasons, nothing is sent. The page lists the run as started by the scheduler and replays its
stored events, every one once.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from config.settings import Settings
from graph.schedule.hot_reload import ConfigWatcher
from graph.schedule.jobs import JobName, slot_thread_id
from graph.schedule.slots import SlotOutcome, SlotReport, SlotRunner
from tests.integration.server.helpers import ledger_orders
from tests.integration.server.live_server import LiveServer
from tests.integration.ui.conftest import AS_OF, screenshot
from tests.integration.ui.pages import RAN, api, node_states, open_page, wait_idle
from tools.clock import FixedClock

pytestmark = pytest.mark.integration


def _scheduled_slot(settings: Settings) -> SlotReport:
    """One trading-cycle slot at AS_OF, in a thread of its own (Playwright owns the main loop)."""
    runner = SlotRunner(
        ConfigWatcher(settings, loader=lambda: settings, config_dir=None),
        clock=FixedClock(AS_OF),
        owner="test-scheduler:1",
    )
    reports: list[SlotReport] = []
    failures: list[BaseException] = []

    def target() -> None:
        try:
            reports.append(asyncio.run(runner.run(JobName.TRADING_CYCLE, AS_OF)))
        except BaseException as exc:
            failures.append(exc)

    worker = threading.Thread(target=target)
    worker.start()
    worker.join(timeout=240)
    assert not worker.is_alive() and not failures, failures
    return reports[0]


def test_a_scheduled_cycle_is_listed_as_the_schedulers_and_replayed(
    live_api: LiveServer, api_settings: Settings, page: Any
) -> None:
    assert api_settings.auto_trading_enabled is False
    report = _scheduled_slot(api_settings)
    assert report.outcome is SlotOutcome.RAN, report
    assert "analysis only" in report.note, report.note
    thread_id = slot_thread_id(JobName.TRADING_CYCLE, AS_OF)
    assert ledger_orders(api_settings, thread_id) == []  # analysis only: nothing was sent

    open_page(page, live_api.url)
    with api(live_api.url) as http:
        (run,) = [r for r in http.get("/api/v1/ui/runs").json() if r["thread_id"] == thread_id]
        stored = http.get(f"/api/v1/ui/runs/{run['run_id']}/events").json()
    listed = page.locator(f"#runs tbody tr[data-key='{run['run_id']}']")
    assert listed.get_attribute("data-trigger") == "scheduler"
    cells = listed.locator("td").all_inner_texts()
    assert thread_id.startswith(cells[1]) and cells[3] == "scheduler" and cells[5] == "0", cells

    listed.locator("button[data-action='open']").click()
    wait_idle(page, run["status"])
    assert int(page.evaluate("document.body.dataset.frames")) == len(stored["events"]) > 0
    states = node_states(page)
    assert all(states[n] == "done" for n in RAN), states
    assert states["execute"] != "done", states  # the gate's approvals never reached a broker
    screenshot(page, "scheduler-run")
