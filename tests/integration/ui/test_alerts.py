"""Alerts on the page: the stored open alerts listed; acknowledge keeps one listed as seen,
resolve takes it off; both are kept in the alerts table with who handled it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from domain.events import EventSeverity
from tests.integration.server.live_server import LiveServer
from tests.integration.ui.conftest import screenshot
from tests.integration.ui.pages import api, open_page
from tools.alerts.model import Alert

pytestmark = pytest.mark.integration


def test_alerts_are_listed_acknowledged_and_resolved_from_the_page(
    live_api: LiveServer, page: Any
) -> None:
    alerts = live_api.app.state.engine.ledger.alerts
    alert_id = alerts.record_alert(
        Alert(
            severity=EventSeverity.CRITICAL,
            title="broker unreachable",
            message="3 submissions timed out",
            at=datetime.now(UTC),
            source="monitor",
        )
    )
    open_page(page, live_api.url)
    listed = page.locator(f"#alerts tr[data-key='{alert_id}']")
    assert "broker unreachable" in listed.inner_text() and "open" in listed.inner_text()
    screenshot(page, "alerts")
    listed.locator("button[data-action='acknowledge']").click()
    page.wait_for_selector(f"#alerts tr[data-key='{alert_id}'] >> text=acknowledged")
    page.locator(f"#alerts tr[data-key='{alert_id}'] button[data-action='resolve']").click()
    page.wait_for_selector(f"#alerts tr[data-key='{alert_id}']", state="detached")
    assert page.locator("#alerts-empty").is_visible()
    with api(live_api.url) as http:
        (stored,) = [a for a in http.get("/api/v1/alerts?all=true").json() if a["id"] == alert_id]
    assert stored["status"] == "resolved"
