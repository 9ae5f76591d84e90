"""A finished backtest on the API and the operator page.

``hedgegraph backtest`` (the golden run of tests/integration/backtest: one entry, one gapped
stop-loss, flat at 99 712.2965) keeps its record in the live server's home; the API lists it and
returns it whole, refuses an id that is not one (422) and an unknown one (404); the page's
Backtests card lists it and, opened, shows the record's figures and every trade.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from api.cli import app
from config.settings import Settings
from tests.integration.backtest.test_cli import GOLDEN_ARGS
from tests.integration.server.live_server import LiveServer
from tests.integration.ui.conftest import screenshot
from tests.integration.ui.pages import api, open_page

pytestmark = pytest.mark.integration


def _golden_backtest(home: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The CLI in a thread of its own (Playwright's sync API owns the main thread's loop)."""
    monkeypatch.setenv("HEDGEGRAPH_HOME", str(home))
    monkeypatch.setenv("THRESHOLDS__MIN_ANALYST_COVERAGE", "1")
    monkeypatch.setenv("RISK__MAX_POSITION_PCT", "0.01")
    monkeypatch.setenv("RISK__VOLATILITY_TARGET_DAILY_PCT", "1.0")
    results: list[Any] = []
    worker = threading.Thread(
        target=lambda: results.append(CliRunner().invoke(app, [*GOLDEN_ARGS, "--json"]))
    )
    worker.start()
    worker.join(timeout=180)
    (result,) = results
    assert result.exit_code == 0, result.output
    payload: dict[str, Any] = json.loads(result.stdout)
    return payload


def test_a_finished_backtest_is_listed_returned_and_shown(
    live_api: LiveServer, api_settings: Settings, page: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran = _golden_backtest(api_settings.hedgegraph_home, monkeypatch)
    with api(live_api.url) as http:
        (listed,) = http.get("/api/v1/backtests").json()
        record = http.get(f"/api/v1/backtests/{ran['id']}").json()
        assert http.get("/api/v1/backtests/..%2F..%2Fetc%2Fpasswd").status_code in (404, 422)
        assert http.get("/api/v1/backtests/not-an-id").status_code == 422
        assert http.get("/api/v1/backtests/bt-20000101T000000Z-abcdef").status_code == 404
    assert listed["id"] == ran["id"] and listed["final_equity"] == "99712.2965"
    assert record["summary"] == ran["summary"]
    assert [t["decision_id"] for t in record["trades"]] == [t["decision_id"] for t in ran["trades"]]

    open_page(page, live_api.url)
    tr = page.locator(f"#backtests tbody tr[data-key='{ran['id']}']")
    cells = tr.locator("td").all_inner_texts()
    assert cells[1] == "2022-03-02 … 2022-03-03" and cells[2] == "GOLD", cells
    assert cells[5] == "$99,712.30" and cells[6] == str(ran["summary"]["fills"]), cells
    tr.locator("button[data-action='open']").click()
    page.wait_for_selector(f"body[data-backtest='{ran['id']}']")
    figures = dict(
        zip(
            page.locator("#backtest-figures dd").evaluate_all(
                "dds => dds.map(d => d.dataset.field)"
            ),
            page.locator("#backtest-figures dd").all_inner_texts(),
            strict=True,
        )
    )
    assert figures["Final equity"] == "$99,712.30"
    assert figures["Commissions"] == "$0.14"
    assert figures["Fills"] == str(ran["summary"]["fills"])
    shown = page.eval_on_selector_all(
        "#backtest-trades tbody tr", "trs => trs.map(t => [...t.cells].map(c => c.textContent))"
    )
    assert [(r[1], r[2], r[6], r[8]) for r in shown] == [
        (t["ticker"], t["side"], t["reason"], t["decision_id"]) for t in ran["trades"]
    ]
    assert int(page.get_attribute("#backtest-equity", "data-points") or 0) == len(record["equity"])
    screenshot(page, "backtest")
