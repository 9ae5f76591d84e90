"""A quiet SSE stream gets its heartbeat within the configured interval, on the wire.

Why it matters: a cycle can sit without events for a while (waiting for the thread's lock while
another process holds it, a slow model, a slow broker); proxies close idle connections after
about 60 s and the SDK gives up after 300 s without a byte. The test makes a real stream quiet
(the thread's lock is held by another holder, as a CLI command would hold it, so the run waits
after its ``metadata``), reads the raw bytes the client receives and checks that heartbeat
comments arrive at the configured interval, and that the run then goes on to its ``end``.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator

import httpx
import pytest

from api.server.app import create_app
from api.server.auth import ApiKey
from config.settings import Settings
from graph.checkpoints.locks import FileThreadLocks, file_lock_folder
from tests.integration.server.conftest import API_KEY, AS_OF
from tests.integration.server.helpers import trading_input
from tests.integration.server.live_server import LiveServer, serving
from tools.clock import FixedClock

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

INTERVAL = 0.5
SLACK = 0.6
"""The machine is shared: a heartbeat may be late by a scheduling hiccup, never by seconds."""
QUIET_FOR = 3.0


@pytest.fixture
def quick_api(api_settings: Settings) -> Iterator[LiveServer]:
    app = create_app(
        api_settings, key=ApiKey(API_KEY), clock=FixedClock(AS_OF), heartbeat_seconds=INTERVAL
    )
    with serving(app) as server:
        yield server


async def test_a_quiet_stream_receives_heartbeats_at_the_configured_interval(
    quick_api: LiveServer, api_settings: Settings
) -> None:
    folder = file_lock_folder(api_settings)
    assert folder is not None, "the embedded stack uses file locks"
    other_holder = FileThreadLocks(folder)
    async with httpx.AsyncClient(
        base_url=quick_api.url, headers={"x-api-key": API_KEY}, timeout=60
    ) as http:
        thread_id = (await http.post("/threads", json={})).json()["thread_id"]
        quiet: list[tuple[float, bytes]] = []
        with other_holder.thread_lock(thread_id):  # the run waits for it, its stream goes quiet
            body = {"assistant_id": "trading", "input": trading_input(), "stream_mode": "custom"}
            async with http.stream(
                "POST",
                f"/threads/{thread_id}/runs/stream",
                json=body,
                headers={"accept": "text/event-stream"},
            ) as response:
                assert response.status_code == 200, await response.aread()
                opened = time.monotonic()
                async for chunk in response.aiter_raw():
                    quiet.append((time.monotonic(), chunk))
                    if time.monotonic() - opened > QUIET_FOR:
                        break
            # the lock is released below: the run proceeds; a new reader sees it to its end
        run_id = response.headers["content-location"].rstrip("/").split("/")[-1]
        joined = await http.get(
            f"/threads/{thread_id}/runs/{run_id}/stream",
            params={"stream_mode": "custom"},
            headers={"last-event-id": "0"},
        )

    text = b"".join(c for _, c in quiet).decode()
    assert "event: metadata" in text, "the stream opened with its metadata"
    assert "event: custom" not in text, "the run was waiting for the lock: nothing but heartbeats"
    pings = [(at, c) for at, c in quiet if c.startswith(b": ping")]
    assert len(pings) >= int(QUIET_FOR / INTERVAL) - 2, f"too few heartbeats in {text!r}"
    assert all(c.endswith(b"\r\n\r\n") for _, c in pings), "each heartbeat is a whole SSE comment"
    arrivals = [opened] + [at for at, _ in quiet]
    gaps = [later - earlier for earlier, later in itertools.pairwise(arrivals)]
    assert max(gaps) < INTERVAL + SLACK, f"a quiet gap of {max(gaps):.2f} s (interval {INTERVAL})"

    assert joined.status_code == 200
    assert "event: end" in joined.text and '"kind":"finished"' in joined.text.replace(" ", "")
