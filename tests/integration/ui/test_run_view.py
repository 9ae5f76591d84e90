"""The run view against a real cycle: every node that ran is drawn finished with its duration,
and what the page shows (verdict grid, PM decisions, gate verdicts, orders, then the decision
audit, the fills and the equity curve) is what the API's thread state, the ledger and its
audit hold for that thread, row for row."""

from __future__ import annotations

from typing import Any

import pytest

from config.settings import Settings
from tests.integration.server.helpers import TICKERS, ledger_orders
from tests.integration.server.live_server import LiveServer
from tests.integration.ui.conftest import screenshot
from tests.integration.ui.pages import RAN, api, node_states, open_page, start_run, wait_idle

pytestmark = pytest.mark.integration


def _rows(page: Any, table: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = page.evaluate(
        f"Object.fromEntries([...document.querySelectorAll('#{table} tbody tr')]"
        ".map(tr => [tr.dataset.key, [...tr.children].map(td => td.textContent)]))"
    )
    return found


def test_a_run_lights_every_node_and_shows_what_the_thread_state_holds(
    live_api: LiveServer, api_settings: Settings, page: Any
) -> None:
    open_page(page, live_api.url)
    assert set(node_states(page)) >= {*RAN, "approval", "execute", "record"}  # from the API
    thread_id = start_run(page, TICKERS)
    wait_idle(page, "completed")
    states = node_states(page)
    for node in [*RAN, "execute", "record"]:
        assert states[node] == "done", (node, states)
        assert "ms" in (page.text_content(f"#graph g[data-node='{node}'] text.dur") or "")
    assert "running" not in states.values()
    assert states["approval"] == "idle"  # an autonomous run never asks

    with api(live_api.url) as http:
        values = http.get(f"/threads/{thread_id}/state").json()["values"]
    for v in values["analyst_verdicts"]:
        cell = page.locator(f"#grid td[data-ticker='{v['ticker']}'][data-analyst='{v['analyst']}']")
        assert cell.get_attribute("data-signal") == v["signal"], v
        assert f"{round(v['confidence'] * 100)} %" in cell.inner_text()
    assert page.locator("#grid td[data-signal]").count() == len(values["analyst_verdicts"])

    decisions = _rows(page, "decisions")
    assert set(decisions) == {d["ticker"] for d in values["decisions"]}
    for d in values["decisions"]:
        assert decisions[d["ticker"]][1] == d["action"]

    verdicts = _rows(page, "verdicts")
    assert set(verdicts) == {v["intent"]["client_order_id"] for v in values["gate_verdicts"]}
    for v in values["gate_verdicts"]:
        row = verdicts[v["intent"]["client_order_id"]]
        assert row[3] == v["outcome"]
        for reason in v["reasons"]:
            assert reason["code"].replace("_", " ") in row[5]
    assert any(v["outcome"] != "vetoed" for v in values["gate_verdicts"]), "no order to show"

    orders = _rows(page, "orders")
    on_ledger = {o.client_order_id for o in ledger_orders(api_settings, thread_id)}
    assert on_ledger and on_ledger <= set(orders)
    with api(live_api.url) as http:
        audit = http.get(f"/api/v1/threads/{thread_id}/audit").json()
    recorded = _rows(page, "audit")
    assert set(recorded) == {d["decision_id"] for d in audit["decisions"]}
    for d in audit["decisions"]:
        assert recorded[d["decision_id"]][8] == " ".join(d["order_client_ids"])
    fills = _rows(page, "fills")
    assert len(fills) == len(audit["fills"]) > 0
    assert {r[0] for r in fills.values()} == {f["client_order_id"] for f in audit["fills"]}
    page.click("#refresh")
    page.wait_for_selector("#positions tbody tr")
    with api(live_api.url) as http:
        curve = http.get("/api/v1/ui/equity").json()
    assert curve, "the cycle's account reads record equity points"
    assert page.get_attribute("#equity", "data-points") == str(len(curve))
    last = f"${float(curve[-1]['equity']):,.2f}"
    assert last in (page.text_content("#equity text") or "")
    screenshot(page, "run-view")
    page.click("#theme")
    screenshot(page, "run-view-dark")
    page.set_viewport_size({"width": 700, "height": 900})
    screenshot(page, "run-view-narrow")
