"""The process's Prometheus metrics, in one registry the API's ``/metrics`` and the scheduler's
own port both expose.

Why one registry of our own (not the client's global one): a test or a second app in the process
reads exactly hedgegraph's series, plus the process collector (memory, CPU, open files) an
operator expects next to them. Names say what they count in trading terms; label values come
from closed sets (modes, outcomes, reason codes, statuses, provider and model names), never from
tickers or ids, so the series count stays bounded.
"""

from __future__ import annotations

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    PlatformCollector,
    ProcessCollector,
)

__all__ = [
    "ALERTS",
    "BROKER_ERRORS",
    "CACHE_LOOKUPS",
    "GATE_VERDICTS",
    "GATE_VETOES",
    "LLM_CALLS",
    "LLM_COST",
    "LLM_FAILURES",
    "LLM_TOKENS",
    "NODE_SECONDS",
    "ORDERS",
    "REGISTRY",
    "RUNS",
]

REGISTRY = CollectorRegistry(auto_describe=True)
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)

RUNS = Counter(
    "hedgegraph_runs",
    "Cycle runs ended, by workflow mode, outcome (completed, awaiting_approval, cancelled, "
    "failed) and what started them (cli, api, scheduler).",
    ["mode", "outcome", "trigger"],
    registry=REGISTRY,
)
NODE_SECONDS = Histogram(
    "hedgegraph_node_duration_seconds",
    "Wall time of one graph node's task (analyst tasks are node=analyst).",
    ["node"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
    registry=REGISTRY,
)
LLM_CALLS = Counter(
    "hedgegraph_llm_calls",
    "Structured LLM calls by provider, model and outcome (ok, cached, or the failure reason).",
    ["provider", "model", "outcome"],
    registry=REGISTRY,
)
LLM_TOKENS = Counter(
    "hedgegraph_llm_tokens",
    "Tokens the provider reported, by direction (input, output).",
    ["provider", "model", "direction"],
    registry=REGISTRY,
)
LLM_COST = Counter(
    "hedgegraph_llm_cost_usd",
    "Spend in US dollars at the configured per-1k-token prices.",
    ["provider", "model"],
    registry=REGISTRY,
)
LLM_FAILURES = Counter(
    "hedgegraph_llm_failures",
    "LLM calls that gave no usable answer, by reason (timeout, rate_limited, budget_exhausted...).",
    ["provider", "model", "reason"],
    registry=REGISTRY,
)
CACHE_LOOKUPS = Counter(
    "hedgegraph_cache_lookups",
    "Cache lookups by cache (llm_prompt, ...) and result (hit, miss).",
    ["cache", "result"],
    registry=REGISTRY,
)
GATE_VERDICTS = Counter(
    "hedgegraph_gate_verdicts",
    "Risk gate verdicts by the node that asked (risk_gate when the cycle plans; execute when the "
    "execution road judges again at submission) and outcome (approved, resized, vetoed).",
    ["node", "outcome"],
    registry=REGISTRY,
)
GATE_VETOES = Counter(
    "hedgegraph_gate_vetoes",
    "Reasons the risk gate gave for vetoes and resizes, by the node that asked and reason code.",
    ["node", "reason"],
    registry=REGISTRY,
)
ORDERS = Counter(
    "hedgegraph_order_updates",
    "Order updates the execution road reported, by the order's status.",
    ["status"],
    registry=REGISTRY,
)
BROKER_ERRORS = Counter(
    "hedgegraph_broker_errors",
    "Broker failures on the execution road, by kind (the error's class).",
    ["kind"],
    registry=REGISTRY,
)
ALERTS = Counter(
    "hedgegraph_alerts",
    "Alerts raised (before de-duplication and rate limits), by severity.",
    ["severity"],
    registry=REGISTRY,
)
