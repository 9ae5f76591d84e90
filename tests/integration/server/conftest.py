"""The embedded stack of the graph tests (offline market, paper broker, SQLite), for the API;
and a live API server over it, on loopback, with a known key."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from api.server.app import create_app
from api.server.auth import ApiKey
from config.settings import Settings
from tests.integration.graph.conftest import AS_OF, context, saver, settings
from tests.integration.server.live_server import LiveServer, serving
from tools.clock import FixedClock

__all__ = ["API_KEY", "AS_OF", "api_settings", "context", "live_api", "saver", "settings"]

API_KEY = "test-key-0123456789abcdef"


@pytest.fixture
def api_settings(settings: Settings) -> Settings:
    """The embedded settings with this test's key, no Redis, CORS closed (nothing ambient)."""
    return settings.model_copy(
        update={
            "hedgegraph_api_key": SecretStr(API_KEY),
            "redis_url": None,
            "hedgegraph_cors_origins": [],
        }
    )


@pytest.fixture
def live_api(api_settings: Settings) -> Iterator[LiveServer]:
    app = create_app(api_settings, key=ApiKey(API_KEY), clock=FixedClock(AS_OF))
    with serving(app) as server:
        yield server
