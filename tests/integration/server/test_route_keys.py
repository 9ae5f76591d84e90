"""Every route that moves or reveals the account refuses a missing and a wrong key.

Why a walk over the app's own documented routes (its OpenAPI schema) rather than a list: a route
added later (here or among the operator routes) is covered without anyone remembering to list
it. Only liveness, readiness and the API's own documentation answer without a key.
"""

from __future__ import annotations

import re

import httpx
import pytest

from api.server.app import create_app
from api.server.auth import ApiKey
from config.settings import Settings
from tests.integration.server.conftest import API_KEY, AS_OF
from tests.integration.server.live_server import LiveServer, serving
from tools.clock import FixedClock

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

OPEN = {"/ok", "/ready", "/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"}
"""Alive, ready, and the schema: none reveals account data."""


async def _routes(http: httpx.AsyncClient) -> list[tuple[str, str]]:
    """Every (method, path) the app documents, path parameters filled with an unknown id."""
    schema = (await http.get("/openapi.json")).json()
    found: list[tuple[str, str]] = []
    for path, operations in schema["paths"].items():
        if path in OPEN:
            continue
        concrete = re.sub(r"\{[^}]+\}", "some-id", path)
        found.extend((method.upper(), concrete) for method in operations)
    return found


async def test_every_account_route_refuses_a_missing_and_a_wrong_key(live_api: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=live_api.url) as http:
        routes = await _routes(http)
    assert ("POST", "/threads/some-id/runs/stream") in routes
    assert ("GET", "/info") in routes
    async with httpx.AsyncClient(base_url=live_api.url) as http:
        for method, path in routes:
            for headers in (
                {},
                {"x-api-key": "wrong-key-zzz"},
                {"authorization": "Bearer wrong-key-zzz"},
                {"authorization": f"Basic {API_KEY}"},
            ):
                answer = await http.request(method, path, headers=headers, json={})
                assert answer.status_code == 401, (method, path, headers, answer.status_code)
                assert API_KEY not in answer.text and "wrong-key-zzz" not in answer.text
        for headers in ({"x-api-key": API_KEY}, {"authorization": f"Bearer {API_KEY}"}):
            assert (await http.get("/info", headers=headers)).status_code == 200
        assert (await http.get("/ok")).status_code == 200


async def test_ready_names_each_part_and_cors_stays_closed(live_api: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=live_api.url) as http:
        ready = await http.get("/ready")
        assert ready.status_code == 200, ready.text
        assert {p["part"] for p in ready.json()["parts"]} == {
            "database",
            "checkpointer",
            "broker_clock",
        }
        preflight = await http.options(
            "/threads",
            headers={"origin": "https://evil.example", "access-control-request-method": "POST"},
        )
        assert "access-control-allow-origin" not in preflight.headers
        docs = await http.get("/openapi.json")
        assert "/threads/{thread_id}/runs/stream" in docs.json()["paths"]


async def test_cors_answers_only_the_configured_origins(api_settings: Settings) -> None:
    configured = api_settings.model_copy(update={"hedgegraph_cors_origins": ["http://ui.local"]})
    app = create_app(configured, key=ApiKey(API_KEY), clock=FixedClock(AS_OF))
    with serving(app) as server:
        async with httpx.AsyncClient(base_url=server.url) as http:
            for origin, allowed in (("http://ui.local", True), ("https://evil.example", False)):
                preflight = await http.options(
                    "/threads",
                    headers={"origin": origin, "access-control-request-method": "POST"},
                )
                answer = preflight.headers.get("access-control-allow-origin")
                assert (answer == origin) is allowed, (origin, preflight.headers)
