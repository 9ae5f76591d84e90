"""``/metrics`` after a real cycle through the API, read with prometheus-client's own parser.

The cycle: the server tests' embedded stack at a market moment with an approved entry, the
analysts and the portfolio manager on a local OpenAI-compatible model (the real client over
loopback), so every family has something to count. Counters are process-wide, so each check
is the change across the cycle, compared with what the cycle itself reports (its state, the
ledger's orders, the model server's request count).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from api.server.app import create_app
from api.server.auth import ApiKey
from config.settings import Settings, load_settings
from tests.fakes.llm_server import FakeLLM, running_llm_server
from tests.integration.server.conftest import API_KEY, AS_OF, api_settings, settings
from tests.integration.server.helpers import ledger_orders, trading_input
from tests.integration.server.live_server import LiveServer, serving
from tools.clock import FixedClock

__all__ = ["api_settings", "settings"]

pytestmark = pytest.mark.integration

INPUT_PER_1K, OUTPUT_PER_1K = 0.001, 0.002
"""Prices small enough that the run's cost budget never cuts a call."""
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture
def llm() -> Iterator[FakeLLM]:
    with running_llm_server() as fake:
        yield fake


@pytest.fixture
def metered(api_settings: Settings, llm: FakeLLM) -> Iterator[tuple[LiveServer, Settings]]:
    chosen = load_settings(
        **{
            **api_settings.model_dump(include={"hedgegraph_home", "hedgegraph_api_key"}),
            "redis_url": None,
            "llm_provider": "openai",
            "llm_model": "metrics-model",
            "openai_base_url": llm.openai_url,
            "openai_api_key": "sk-test",
            "llm": {
                "request_timeout_seconds": 15,
                "max_attempts": 2,
                "retry_backoff_seconds": 0.01,
                "input_cost_per_1k_tokens": INPUT_PER_1K,
                "output_cost_per_1k_tokens": OUTPUT_PER_1K,
            },
        }
    )
    app = create_app(chosen, key=ApiKey(API_KEY), clock=FixedClock(AS_OF))
    with serving(app) as server:
        yield server, chosen


def scrape(http: httpx.Client) -> tuple[Samples, dict[str, str]]:
    answer = http.get("/metrics")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain")
    samples: Samples = {}
    kinds: dict[str, str] = {}
    for family in text_string_to_metric_families(answer.text):
        kinds[family.name] = family.type
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples, kinds


def total(samples: Samples, name: str, **labels: str) -> float:
    wanted = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and wanted <= ls)


def by_label(samples: Samples, name: str, label: str) -> Counter[str]:
    found: Counter[str] = Counter()
    for (n, ls), v in samples.items():
        if n == name:
            found[dict(ls)[label]] += v  # type: ignore[assignment]  # sample values are floats
    return found


def delta(after: Samples, before: Samples, name: str, label: str, **only: str) -> Counter[str]:
    """The change of ``name`` per value of ``label``, among the samples with labels ``only``."""
    wanted = set(only.items())
    change = by_label({k: v for k, v in after.items() if wanted <= k[1]}, name, label)
    change.subtract(by_label({k: v for k, v in before.items() if wanted <= k[1]}, name, label))
    return Counter({k: v for k, v in change.items() if v})


def _run_cycle(http: httpx.Client) -> tuple[str, dict[str, Any]]:
    thread_id = http.post("/threads", json={}).json()["thread_id"]
    done = http.post(
        f"/threads/{thread_id}/runs/wait",
        json={"assistant_id": "trading", "input": trading_input()},
    )
    assert done.status_code == 200, done.text
    return thread_id, http.get(f"/threads/{thread_id}/state").json()["values"]


def test_metrics_after_a_cycle_count_what_the_cycle_did(
    metered: tuple[LiveServer, Settings], llm: FakeLLM
) -> None:
    server, chosen = metered
    assert httpx.get(f"{server.url}/metrics", timeout=10).status_code == 401, "keyed"
    with httpx.Client(base_url=server.url, headers={"x-api-key": API_KEY}, timeout=180) as http:
        before, _ = scrape(http)
        calls_before = llm.count
        thread_id, values = _run_cycle(http)
        after, kinds = scrape(http)
        model_requests = llm.count - calls_before

    runs = total(after, "hedgegraph_runs_total", mode="signal", outcome="completed", trigger="api")
    runs -= total(
        before, "hedgegraph_runs_total", mode="signal", outcome="completed", trigger="api"
    )
    assert runs == 1

    assert kinds["hedgegraph_node_duration_seconds"] == "histogram"
    nodes = delta(after, before, "hedgegraph_node_duration_seconds_count", "node")
    assert {
        "load_context",
        "strategy_engine",
        "analyst",
        "portfolio_manager",
        "risk_gate",
        "execute",
        "record",
    } <= set(nodes), nodes
    analysts = {v["analyst"] for v in values["analyst_verdicts"]}
    assert nodes["analyst"] == len(analysts), "one timing per analyst task"
    took = delta(after, before, "hedgegraph_node_duration_seconds_sum", "node")
    assert all(0 < seconds < 120 for seconds in took.values()), took

    model = {"provider": "openai", "model": "metrics-model"}
    ok_calls = total(after, "hedgegraph_llm_calls_total", outcome="ok", **model) - total(
        before, "hedgegraph_llm_calls_total", outcome="ok", **model
    )
    assert model_requests > 0 and ok_calls == model_requests, (ok_calls, model_requests)
    tokens_in = total(after, "hedgegraph_llm_tokens_total", direction="input", **model) - total(
        before, "hedgegraph_llm_tokens_total", direction="input", **model
    )
    tokens_out = total(after, "hedgegraph_llm_tokens_total", direction="output", **model) - total(
        before, "hedgegraph_llm_tokens_total", direction="output", **model
    )
    assert tokens_in == ok_calls * llm.behaviour.prompt_tokens
    assert tokens_out == ok_calls * llm.behaviour.completion_tokens
    cost = total(after, "hedgegraph_llm_cost_usd_total", **model) - total(
        before, "hedgegraph_llm_cost_usd_total", **model
    )
    assert cost == pytest.approx((tokens_in * INPUT_PER_1K + tokens_out * OUTPUT_PER_1K) / 1000)
    assert not delta(after, before, "hedgegraph_llm_failures_total", "reason")

    verdicts = values["gate_verdicts"]
    assert verdicts, "precondition: the gate judged the cycle's intents"
    final = Counter(v["outcome"] for v in verdicts)  # the road's, at submission
    judged = delta(after, before, "hedgegraph_gate_verdicts_total", "outcome", node="execute")
    assert judged == final
    planned = delta(after, before, "hedgegraph_gate_verdicts_total", "outcome", node="risk_gate")
    assert sum(planned.values()) == len(verdicts), "each intent judged once while planning"
    reasons = Counter(r["code"] for v in verdicts for r in v["reasons"])
    assert delta(after, before, "hedgegraph_gate_vetoes_total", "reason", node="execute") == reasons

    orders = ledger_orders(chosen, thread_id)
    assert orders, "precondition: the approved entry was placed"
    statuses = delta(after, before, "hedgegraph_order_updates_total", "status")
    assert {o.status.value for o in orders} <= set(statuses), statuses

    assert total(after, "hedgegraph_account_read_ok") == 1
    assert total(after, "hedgegraph_trading_state", state="active") == 1
    assert total(after, "hedgegraph_trading_state", state="halted") == 0
    equity = total(after, "hedgegraph_equity_usd")
    assert (
        0.5 * float(chosen.paper.starting_cash) < equity < 1.5 * float(chosen.paper.starting_cash)
    )
    assert abs(total(after, "hedgegraph_daily_pnl_usd")) < 0.05 * equity
    assert total(after, "process_resident_memory_bytes") > 0


def test_a_repeated_cycle_is_answered_from_the_prompt_cache(
    metered: tuple[LiveServer, Settings], llm: FakeLLM
) -> None:
    server, _ = metered
    model = {"provider": "openai", "model": "metrics-model"}
    with httpx.Client(base_url=server.url, headers={"x-api-key": API_KEY}, timeout=180) as http:
        _run_cycle(http)
        before, _ = scrape(http)
        requests_before = llm.count
        _run_cycle(http)  # the same market moment: the same prompts
        after, _ = scrape(http)
    outcomes = delta(after, before, "hedgegraph_llm_calls_total", "outcome", **model)
    assert outcomes["cached"] > 0, outcomes  # the analysts saw what they saw the first time
    assert outcomes["ok"] == llm.count - requests_before, "the rest reached the model"
    hits = delta(after, before, "hedgegraph_cache_lookups_total", "result", cache="llm_prompt")
    assert hits == Counter({"hit": outcomes["cached"]}), hits


def test_alerts_are_counted_by_severity_and_a_halt_shows_in_the_state(
    metered: tuple[LiveServer, Settings],
) -> None:
    server, _ = metered
    with httpx.Client(base_url=server.url, headers={"x-api-key": API_KEY}, timeout=60) as http:
        before, _ = scrape(http)
        halted = http.post("/api/v1/trading/halt", json={"reason": "metrics", "confirm": True})
        assert halted.status_code == 200, halted.text
        after, _ = scrape(http)
    assert delta(after, before, "hedgegraph_alerts_total", "severity")["critical"] >= 1
    assert total(after, "hedgegraph_trading_state", state="halted") == 1
    assert total(after, "hedgegraph_trading_state", state="active") == 0
