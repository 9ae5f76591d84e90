"""Bad input is a 4xx naming what is wrong, never a 500: arbitrary JSON at every POST route.

Why generated bodies: the hand-written cases (empty tickers, a bad resume) cover what we thought
of; arbitrary JSON (wrong types, nesting, huge numbers, odd strings) covers what a client or an
attacker sends instead.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.integration.server.conftest import API_KEY
from tests.integration.server.live_server import LiveServer

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

POSTS = [
    "/assistants/search",
    "/threads",
    "/threads/search",
    "/threads/{thread}/history",
    "/threads/{thread}/runs",
    "/threads/{thread}/runs/stream",
    "/threads/{thread}/runs/wait",
    "/threads/{thread}/runs/some-run/cancel",
]

_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.sampled_from(["trading", "research", "reject", "supervised", "AAPL", "values"]),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "assistant_id",
                    "input",
                    "command",
                    "resume",
                    "tickers",
                    "session",
                    "mode",
                    "stream_mode",
                    "metadata",
                    "limit",
                    "thread_id",
                    "approved",
                    "note",
                    "x",
                ]
            ),
            inner,
            max_size=5,
        )
    ),
    max_leaves=12,
)

_run_body = st.fixed_dictionaries(
    {"assistant_id": st.sampled_from(["trading", "research", "other"])},
    optional={
        "input": st.dictionaries(st.sampled_from(["tickers", "mode", "session", "x"]), _json),
        "command": _json,
        "stream_mode": _json,
    },
)
"""Bodies that get past the first fields, so the input and resume validation is reached."""


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(body=_json | _run_body, route=st.sampled_from(POSTS))
def test_no_post_body_is_a_server_error(live_api: LiveServer, body: Any, route: str) -> None:
    with httpx.Client(base_url=live_api.url, headers={"x-api-key": API_KEY}, timeout=60) as http:
        thread = http.post("/threads", json={}).json()["thread_id"]
        answer = http.post(route.format(thread=thread), json=body)
    assert answer.status_code < 500, (route, body, answer.text)


RUN_POSTS = [
    "/threads/{thread}/runs",
    "/threads/{thread}/runs/stream",
    "/threads/{thread}/runs/wait",
]
_inputs = st.dictionaries(st.sampled_from(["tickers", "mode", "session", "question", "x"]), _json)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    assistant=st.sampled_from(["trading", "research"]),
    payload=st.one_of(
        st.fixed_dictionaries({"input": _inputs}),
        st.fixed_dictionaries({"command": st.fixed_dictionaries({"resume": _json})}),
    ),
    route=st.sampled_from(RUN_POSTS),
)
def test_no_run_input_or_resume_is_a_server_error(
    live_api: LiveServer, assistant: str, payload: dict[str, Any], route: str
) -> None:
    with httpx.Client(base_url=live_api.url, headers={"x-api-key": API_KEY}, timeout=60) as http:
        thread = http.post("/threads", json={}).json()["thread_id"]
        answer = http.post(route.format(thread=thread), json={"assistant_id": assistant, **payload})
    assert answer.status_code < 500, (route, payload, answer.text)
