"""What the UI tests do on the page and read from the API, in one place."""

from __future__ import annotations

from typing import Any

import httpx

from tests.integration.ui.conftest import API_KEY

__all__ = ["RAN", "api", "log_frames", "node_states", "open_page", "start_run", "wait_idle"]

RAN = ["load_context", "strategy_engine", "analyst", "portfolio_manager", "risk_gate"]
"""The nodes every signal cycle runs before it reaches execute or approval."""


def api(url: str) -> httpx.Client:
    return httpx.Client(base_url=url, headers={"x-api-key": API_KEY}, timeout=60)


def open_page(page: Any, url: str) -> None:
    page.goto(f"{url}/#key={API_KEY}")
    page.wait_for_selector("body[data-ready='yes']")


def start_run(page: Any, tickers: list[str], *, session: str = "autonomous") -> str:
    """Fill the run form, start, and return the thread id the page created."""
    page.fill("#tickers", ", ".join(tickers))
    page.select_option("#mode", "signal")
    page.select_option("#session", session)
    page.click("#start")
    page.wait_for_selector("body[data-thread]")
    thread_id: str = page.evaluate("document.body.dataset.thread")
    return thread_id


def wait_idle(page: Any, status: str) -> None:
    """Wait until the page's run is over and it says ``run <status>``."""
    page.wait_for_selector("body[data-run='idle']", timeout=120_000)
    assert page.inner_text("#run-status") == f"run {status}"


def node_states(page: Any) -> dict[str, str]:
    states: dict[str, str] = page.evaluate(
        "Object.fromEntries([...document.querySelectorAll('#graph g[data-node]')]"
        ".map(g => [g.dataset.node, g.dataset.state]))"
    )
    return states


def log_frames(url: str, thread_id: str, run_id: str) -> int:
    """How many frames the run's whole log holds for the page's stream modes (joined from the
    start; heartbeat comments are not frames)."""
    frames = 0
    pending = False
    with api(url) as http:
        path = f"/threads/{thread_id}/runs/{run_id}/stream"
        params = {"stream_mode": ["updates", "custom"]}
        with http.stream("GET", path, params=params) as response:
            assert response.status_code == 200, response.status_code
            for line in response.iter_lines():
                if line.startswith("data:"):
                    pending = True
                elif line == "" and pending:
                    frames, pending = frames + 1, False
    return frames
