"""The run input's analyst roster: validated against the registry, honoured for that run only.

Why at the API: the page's analyst picker sends this field; an unknown name must be a 422 naming
``analysts`` before a thread runs, and a chosen roster must be the one that ran (and only for that
thread: the next run without the field gets the configured roster again).
"""

from __future__ import annotations

from typing import Any

import pytest

from agents.analysts.registry import DEFAULT_ROSTER
from config.settings import Settings
from tests.integration.server.helpers import trading_input
from tests.integration.server.live_server import LiveServer
from tests.integration.ui.pages import api

pytestmark = pytest.mark.integration

CHOSEN = ["technicals", "warren_buffett"]


def _run(url: str, body_input: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    with api(url) as http:
        thread_id = http.post("/threads", json={}).json()["thread_id"]
        done = http.post(
            f"/threads/{thread_id}/runs/wait", json={"assistant_id": "trading", "input": body_input}
        )
        assert done.status_code == 200, done.text
        values = http.get(f"/threads/{thread_id}/state").json()["values"]
    return thread_id, values


def test_a_run_uses_the_roster_it_asked_for_and_the_next_one_the_configured_roster(
    live_api: LiveServer, api_settings: Settings
) -> None:
    assert api_settings.analysts is None or list(api_settings.analysts) != CHOSEN
    _, values = _run(live_api.url, {**trading_input(), "analysts": CHOSEN})
    assert values["request"]["analysts"] == CHOSEN
    ran = {v["analyst"] for v in values["analyst_verdicts"]}
    assert ran == set(CHOSEN), ran

    _, values = _run(live_api.url, trading_input())
    ran = {v["analyst"] for v in values["analyst_verdicts"]}
    assert ran == set(api_settings.analysts or DEFAULT_ROSTER), ran


def test_an_unknown_analyst_is_a_422_naming_the_field_and_nothing_runs(
    live_api: LiveServer,
) -> None:
    with api(live_api.url) as http:
        thread_id = http.post("/threads", json={}).json()["thread_id"]
        body = {"assistant_id": "trading", "input": {**trading_input(), "analysts": ["nobody"]}}
        refused = http.post(f"/threads/{thread_id}/runs/wait", json=body)
        assert refused.status_code == 422, refused.text
        (error,) = refused.json()["detail"]
        assert error["loc"] == ["body", "input", "analysts"]
        assert "nobody" in error["msg"]
        empty = {"assistant_id": "trading", "input": {**trading_input(), "analysts": []}}
        assert http.post(f"/threads/{thread_id}/runs", json=empty).status_code == 422
        assert http.get(f"/threads/{thread_id}/runs").json() == []
