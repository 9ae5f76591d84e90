"""Today's loss against the daily limit on the page, at the loss guard's own level: with a limit
so tight that the cycle's own entry (bought at the ask, marked at the bid) uses more than 75 %
of it, the page says WARNING in the warning colour, as the trading-state route does."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from api.server.app import create_app
from api.server.auth import ApiKey
from config.settings import Settings
from tests.integration.server.helpers import TICKERS
from tests.integration.server.live_server import LiveServer, serving
from tests.integration.ui.conftest import API_KEY, AS_OF, screenshot
from tests.integration.ui.pages import api, open_page, start_run, wait_idle
from tools.clock import FixedClock

pytestmark = pytest.mark.integration


@pytest.fixture
def tight_limit_api(api_settings: Settings) -> Iterator[LiveServer]:
    risk = api_settings.risk.model_copy(update={"max_daily_loss_pct": 0.00003})
    app = create_app(
        api_settings.model_copy(update={"risk": risk}), key=ApiKey(API_KEY), clock=FixedClock(AS_OF)
    )
    with serving(app) as server:
        yield server


def test_a_loss_near_the_daily_limit_is_shown_as_a_warning(
    tight_limit_api: LiveServer, page: Any
) -> None:
    open_page(page, tight_limit_api.url)
    assert page.get_attribute("#daily-loss", "data-level") == "ok"
    start_run(page, TICKERS)
    wait_idle(page, "completed")
    with api(tight_limit_api.url) as http:
        loss = http.get("/api/v1/trading/state").json()["daily_loss"]
    assert loss["level"] == "warning", loss
    assert page.get_attribute("#daily-loss", "data-level") == "warning"
    assert "WARNING" in page.inner_text("#daily-loss")
    assert page.get_attribute("#daily-loss", "class") == "warn-level"
    screenshot(page, "daily-loss-warning")
