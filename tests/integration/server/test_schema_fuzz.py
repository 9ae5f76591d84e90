"""Schemathesis over the server's whole OpenAPI schema: no request it generates is a 5xx.

Why schema-driven fuzzing next to test_bad_input.py: that file posts arbitrary JSON at the POST
routes we listed; this one reads the live server's own ``/openapi.json`` and generates, for every
documented operation and method (path ids, query strings, headers such as ``Last-Event-ID``,
bodies), requests that fit the schema and requests that break it. A route added later is fuzzed
without anyone listing it, and every documented answer must match the model the schema promises.

Why some path ids are real ones: random ids are 404s before any handler logic runs. The server
gets a thread that waits on a supervised run's approval (so resume, state, history, join and
cancel reach their handlers) and an idle thread; part of the time the generated path ids give way
to a known set (a run under its own thread), part of the time each id on its own (a run under
another thread, which is how the stream route's 500 was found). Runs go to the embedded paper
broker, never past loopback.

Why Schemathesis' strategies under our own ``@given`` rather than its pytest plugin: the plugin
reaches into pytest internals that pytest 9.2 removed (``Function._nodeid``); ``as_strategy`` and
``call``/``validate_response`` are its documented Python API and carry the same checks.

Reproducible: a fixed example budget per operation, Hypothesis' derandomized seed and no example
database, so CI sends the same requests each time.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.schemas import APIOperation, BaseSchema
from schemathesis.specs.openapi.checks import response_schema_conformance

from api.server.app import create_app
from api.server.auth import ApiKey
from config.settings import load_settings
from tests.integration.server.conftest import API_KEY, AS_OF
from tests.integration.server.helpers import TICKERS, trading_input
from tests.integration.server.live_server import LiveServer, serving
from tools.brokers.paper import PaperBroker
from tools.clock import FixedClock

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]

PUBLIC = {"/ok", "/ready"}
"""Alive and ready: the only documented operations that answer without the key."""

EXAMPLES_WITH_KEY = 60
"""Per operation, positive and negative together."""
EXAMPLES_WITHOUT_KEY = 4

WAITING_THREAD = "fuzz-waiting"
"""Stopped at a supervised run's approval interrupt (until a generated resume answers it)."""
IDLE_THREAD = "fuzz-idle"
"""Registered, never run."""

_AMBIENT = ("TRADING_SESSION_MODE", "WORKFLOW_MODE", "DATA_PROVIDERS", "LLM_PROVIDER", "BROKER")


@pytest.fixture(scope="module")
def fuzzed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One embedded server for the module (the fuzzer's state piles up on it, as a real
    server's would), with the test's key, no Redis, CORS closed, the paper broker."""
    home = tmp_path_factory.mktemp("schema-fuzz")
    with pytest.MonkeyPatch.context() as env:
        env.chdir(home)  # no .env from the checkout
        for name in _AMBIENT:
            env.delenv(name, raising=False)
        settings = load_settings(hedgegraph_home=Path(home) / "home").model_copy(
            update={
                "hedgegraph_api_key": SecretStr(API_KEY),
                "redis_url": None,
                "hedgegraph_cors_origins": [],
            }
        )
        assert settings.broker == "paper" and settings.llm_provider == "none"
        app = create_app(settings, key=ApiKey(API_KEY), clock=FixedClock(AS_OF))
        with serving(app) as server:
            assert isinstance(app.state.engine.context.broker, PaperBroker)
            yield server


KnownIds = list[dict[str, str]]
"""Path parameter sets the server knows; a run's id goes with its own thread's."""


@pytest.fixture(scope="module")
def known_ids(fuzzed_server: LiveServer) -> KnownIds:
    """Seed the server with a thread waiting on approval and an idle one; the id sets the
    generator may swap in."""
    headers = {"x-api-key": API_KEY}
    with httpx.Client(base_url=fuzzed_server.url, headers=headers, timeout=120) as http:
        for thread in (WAITING_THREAD, IDLE_THREAD):
            assert http.post("/threads", json={"thread_id": thread}).status_code == 200
        waited = http.post(
            f"/threads/{WAITING_THREAD}/runs/wait",
            json={"assistant_id": "trading", "input": trading_input("supervised")},
        )
        assert "__interrupt__" in waited.json(), waited.text
        runs = http.get(f"/threads/{WAITING_THREAD}/runs").json()
    assert runs, "the seeded run is listed"
    return [
        *({"thread_id": WAITING_THREAD, "run_id": r["run_id"]} for r in runs),
        {"thread_id": WAITING_THREAD},
        {"thread_id": IDLE_THREAD},
        *({"run_id": r["run_id"]} for r in runs),
        {"assistant_id": "trading"},
        {"assistant_id": "research"},
        {"symbol": "AAPL"},
    ]


@pytest.fixture(scope="module")
def live_schema(fuzzed_server: LiveServer) -> BaseSchema:
    """The schema as the running server serves it at ``/openapi.json``."""
    return schemathesis.openapi.from_url(f"{fuzzed_server.url}/openapi.json")


def _operations(schema: BaseSchema) -> list[APIOperation]:
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result.err()  # the server's schema does not load
        operations.append(result.ok())
    assert len(operations) >= 30, [op.label for op in operations]
    return operations


_RUN_STARTS = ("/runs", "/runs/stream", "/runs/wait")
_RUN_PAYLOADS: st.SearchStrategy[dict[str, Any]] = st.one_of(
    st.fixed_dictionaries(
        {
            "assistant_id": st.just("trading"),
            "input": st.fixed_dictionaries(
                {
                    "tickers": st.lists(st.sampled_from(TICKERS), min_size=1, max_size=3),
                    "mode": st.sampled_from(["signal", "research"]),
                    "session": st.sampled_from(["autonomous", "supervised"]),
                }
            ),
        }
    ),
    st.fixed_dictionaries(
        {
            "assistant_id": st.just("research"),
            "input": st.fixed_dictionaries(
                {"question": st.text(max_size=40), "ticker": st.sampled_from(TICKERS)}
            ),
        }
    ),
    st.fixed_dictionaries(
        {
            "assistant_id": st.just("trading"),
            "command": st.fixed_dictionaries(
                {"resume": st.fixed_dictionaries({"approved": st.booleans()})}
            ),
        }
    ),
)
"""Run bodies that get past input validation on a known thread, so runs really start (and
resumes really answer the approval): trading cycles on the paper broker, research, resume."""


def _cases(operation: APIOperation, known: KnownIds) -> st.SearchStrategy[Case]:
    """Positive and negative cases, their path ids as generated, or a known id set that fits
    the path (a run under its own thread), or each id swapped on its own (a run under another
    thread, or under a generated thread id)."""
    generated = operation.as_strategy(GenerationMode.POSITIVE) | operation.as_strategy(
        GenerationMode.NEGATIVE
    )
    starts_runs = operation.method.upper() == "POST" and operation.path.endswith(_RUN_STARTS)
    pools: dict[str, set[str]] = defaultdict(set)
    for ids in known:
        for name, value in ids.items():
            pools[name].add(value)

    @st.composite
    def with_known_ids(draw: st.DrawFn) -> Case:
        case = draw(generated)
        ids = case.path_parameters or {}
        how: str = draw(st.sampled_from(["generated", "known set", "each"]))
        fitting = [k for k in known if ids and set(k) <= set(ids)]
        if how == "known set" and fitting:
            ids.update(draw(st.sampled_from(fitting)))
            if starts_runs and isinstance(case.body, dict):
                payload: dict[str, Any] = draw(_RUN_PAYLOADS)
                case.body = {
                    **{k: v for k, v in case.body.items() if k not in ("input", "command")},
                    **payload,
                }
        elif how == "each":
            for name, value in list(ids.items()):
                ids[name] = draw(st.sampled_from([value, *sorted(pools[name])]))
        return case

    return with_known_ids()


def _fuzz(examples: int) -> settings:
    return settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )


def test_no_generated_request_is_a_server_error(
    subtests: pytest.Subtests,
    fuzzed_server: LiveServer,
    live_schema: BaseSchema,
    known_ids: KnownIds,
) -> None:
    """With the key: every answer below 500, and every documented answer in its schema; and
    the fuzzer got past the id lookups (a pass of 404s alone would prove little)."""
    answers: dict[str, Counter[int]] = defaultdict(Counter)
    operations = _operations(live_schema)
    for operation in operations:

        @_fuzz(EXAMPLES_WITH_KEY)
        @given(case=_cases(operation, known_ids))
        def send(case: Case) -> None:
            answer = case.call_and_validate(
                base_url=fuzzed_server.url,
                headers={"x-api-key": API_KEY},
                timeout=60,
                checks=[not_a_server_error, response_schema_conformance],
            )
            answers[case.operation.label][answer.status_code] += 1

        with subtests.test(operation=operation.label):
            send()
    assert {op.label for op in operations} == set(answers)
    only_not_found = [label for label, codes in answers.items() if set(codes) == {404}]
    assert not only_not_found, only_not_found
    reached = sum(1 for codes in answers.values() if any(200 <= c < 300 for c in codes))
    assert reached >= len(operations) * 2 // 3, dict(answers)


def test_without_the_key_every_private_operation_refuses(
    subtests: pytest.Subtests,
    fuzzed_server: LiveServer,
    live_schema: BaseSchema,
    known_ids: KnownIds,
) -> None:
    """Without the key: every operation but alive and ready is a 401, never data, never a 5xx."""
    operations = _operations(live_schema)
    assert {op.path for op in operations} >= PUBLIC
    for operation in operations:

        @_fuzz(EXAMPLES_WITHOUT_KEY)
        @given(case=_cases(operation, known_ids))
        def send(case: Case) -> None:
            answer = case.call(base_url=fuzzed_server.url, timeout=60)
            if case.operation.path in PUBLIC:
                assert answer.status_code < 500, (case.operation.label, answer.text)
            else:
                assert answer.status_code == 401, (case.operation.label, answer.status_code)
            assert API_KEY not in answer.text

        with subtests.test(operation=operation.label):
            send()


def test_a_run_is_joined_only_under_its_own_thread(
    fuzzed_server: LiveServer, known_ids: KnownIds
) -> None:
    """Found by the fuzzer: the stream route took any run the log knew, under any thread id (a
    non-latin-1 one then failed in the ``Location`` header, a 500). A run's stream belongs to
    its thread: under another thread it is a 404, like its record and its join."""
    run_id = next(ids["run_id"] for ids in known_ids if "thread_id" in ids and "run_id" in ids)
    headers = {"x-api-key": API_KEY}
    with httpx.Client(base_url=fuzzed_server.url, headers=headers, timeout=60) as http:
        own = http.get(f"/threads/{WAITING_THREAD}/runs/{run_id}/stream")
        assert own.status_code == 200 and "event: end" in own.text
        for thread in (IDLE_THREAD, "ünknown-thread"):
            for tail in ("/stream", "/join", ""):
                other = http.get(f"/threads/{thread}/runs/{run_id}{tail}")
                assert other.status_code == 404, (thread, tail, other.status_code)
