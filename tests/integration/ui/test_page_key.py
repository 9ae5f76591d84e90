"""The page and its key: nothing of the account before the key is accepted; the key comes from
the URL once, leaves the address bar and is sent as a header on every call."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from api.serve_command import page_url
from tests.integration.server.live_server import LiveServer
from tests.integration.ui.conftest import API_KEY, ConsoleLog, screenshot

pytestmark = pytest.mark.integration


def test_the_page_is_served_open_and_every_route_it_calls_is_keyed(live_api: LiveServer) -> None:
    with httpx.Client(base_url=live_api.url, timeout=30) as http:
        page = http.get("/")
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        assert http.get("/ui/main.js").status_code == 200
        assert http.get("/ui/run.js").status_code == 200
        assert http.get("/ui/app.css").status_code == 200
        assert http.get("/ui/app.py").status_code in (401, 404)  # only the named assets
        assert http.get("/ui/app.py", headers={"x-api-key": API_KEY}).status_code == 404
        assert http.get("/api/v1/ui/graph/signal").status_code == 401
        keyed = http.get("/api/v1/ui/graph/signal", headers={"x-api-key": API_KEY})
        assert keyed.status_code == 200
        names = {n["id"] for n in keyed.json()["nodes"]}
        assert {"load_context", "analyst", "risk_gate", "execute", "record"} <= names


def test_without_a_key_the_page_shows_the_key_form_and_nothing_else(
    live_api: LiveServer, page: Any
) -> None:
    calls: list[str] = []
    page.on("request", lambda r: calls.append(r.url))
    page.goto(live_api.url + "/")
    page.wait_for_selector("#key-form", state="visible")
    assert page.locator("#app").is_hidden()
    assert page.locator("#app *").count() == 0  # the account views are not even in the DOM
    assert [u for u in calls if "/ui/" not in u and not u.endswith("/")] == []
    screenshot(page, "key-form")


def test_a_key_in_the_fragment_is_kept_for_the_session_and_sent_on_every_call(
    live_api: LiveServer, page: Any
) -> None:
    keys: list[str | None] = []

    def sent(request: Any) -> None:
        if "/ui/" not in request.url and request.url.rstrip("/") != live_api.url:
            keys.append(request.headers.get("x-api-key"))

    page.on("request", sent)
    page.goto(f"{live_api.url}/#key={API_KEY}")
    page.wait_for_selector("body[data-ready='yes']")
    assert "key" not in page.url  # the key left the address bar
    assert page.evaluate("sessionStorage.getItem('hedgegraph.key')") == API_KEY
    assert keys and set(keys) == {API_KEY}
    page.reload()  # same browser session: no key in the URL, still in
    page.wait_for_selector("body[data-ready='yes']")
    assert page.locator("#key-view").is_hidden()


def test_a_wrong_key_is_refused_and_forgotten(
    live_api: LiveServer, page: Any, console: ConsoleLog
) -> None:
    console.allow(r"status of 401")  # the browser logs the refused request itself
    page.goto(f"{live_api.url}/?key=not-the-key")
    page.wait_for_selector("#key-error:has-text('refused')")
    assert page.locator("#app *").count() == 0
    assert page.evaluate("sessionStorage.getItem('hedgegraph.key')") is None
    page.fill("#key-input", API_KEY)
    page.click("#key-form button[type=submit]")
    page.wait_for_selector("body[data-ready='yes']")
    assert page.locator("#trading-badge").inner_text() == "ACTIVE"


def test_serve_prints_a_page_url_carrying_only_a_generated_key() -> None:
    assert page_url("127.0.0.1", 8000, "a/b+c") == "http://127.0.0.1:8000/#key=a%2Fb%2Bc"
    assert page_url("127.0.0.1", 8000, None) == "http://127.0.0.1:8000/"
    assert page_url("::1", 8000, "k") == "http://[::1]:8000/#key=k"
