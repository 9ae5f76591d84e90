"""The deployment end to end, as compose runs it but as plain processes: ``db upgrade`` over an
empty PostgreSQL, then ``serve`` and the ``scheduler`` daemon over it and a real Redis; a cycle
through the API; the cycle seen in both faces' metrics and in the API's JSON log lines.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.fixtures.servers import fresh_database
from tests.integration.deploy.stack import deployed_stack
from tests.integration.server.helpers import trading_input

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def _parse(text: str) -> Samples:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def _value(samples: Samples, name: str, **labels: str) -> float:
    wanted = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and wanted <= ls)


def _json_lines(log: str) -> list[dict[str, Any]]:
    """The log's JSON lines; the two plain lines serve prints before logging starts (its
    address) are the only others."""
    lines, plain = [], []
    for line in log.splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
        elif line.strip():
            plain.append(line)
    assert len(plain) <= 3, plain
    return lines


def test_migrate_serve_and_scheduler_run_a_cycle_seen_in_metrics_and_logs(
    tmp_path: Path, postgres_url: str, redis_url: str
) -> None:
    database = fresh_database(postgres_url, prefix="stack")
    with deployed_stack(tmp_path, database_url=database, redis_url=redis_url) as stack:
        assert "application store: at" in stack.migrate_output
        with httpx.Client(base_url=stack.api_url, headers=stack.headers, timeout=180) as http:
            ready = http.get("/ready").json()
            assert ready["ready"] and "redis" in {p["part"] for p in ready["parts"]}
            before = _parse(http.get("/metrics").text)
            thread_id = http.post("/threads", json={}).json()["thread_id"]
            body = {"assistant_id": "trading", "input": trading_input(tickers=["AAPL", "MSFT"])}
            done = http.post(f"/threads/{thread_id}/runs/wait", json=body)
            assert done.status_code == 200, done.text
            (run,) = http.get(f"/threads/{thread_id}/runs").json()
            after = _parse(http.get("/metrics").text)
        scheduler_metrics = _parse(httpx.get(stack.metrics_url, timeout=30).text)
    # The API's metrics: the run, its nodes, the account read from Postgres and the broker.
    runs = {"mode": "signal", "outcome": "completed", "trigger": "api"}
    assert (
        _value(after, "hedgegraph_runs_total", **runs)
        - _value(before, "hedgegraph_runs_total", **runs)
        == 1
    )
    for node in ("load_context", "strategy_engine", "record"):
        count = "hedgegraph_node_duration_seconds_count"
        assert _value(after, count, node=node) - _value(before, count, node=node) == 1, node
    assert _value(after, "hedgegraph_account_read_ok") == 1
    assert _value(after, "hedgegraph_trading_state", state="active") == 1
    assert _value(after, "hedgegraph_equity_usd") > 0
    # The scheduler's own port: its process, and the same books (its beat, the account).
    assert _value(scheduler_metrics, "process_resident_memory_bytes") > 0
    assert _value(scheduler_metrics, "hedgegraph_account_read_ok") == 1
    assert _value(scheduler_metrics, "hedgegraph_trading_state", state="active") == 1
    beats = {
        dict(ls)["job"]: v
        for (n, ls), v in scheduler_metrics.items()
        if n == "hedgegraph_heartbeat_age_seconds"
    }
    assert "scheduler" in beats and 0 <= beats["scheduler"] < 120, beats
    # The logs: JSON lines, the run's start and end tagged with its run and thread ids.
    api_lines = _json_lines(stack.api_log.read_text())
    scheduler_lines = _json_lines(stack.scheduler_log.read_text())
    assert scheduler_lines, "the daemon logs JSON lines too"
    for line in api_lines + scheduler_lines:
        assert {"timestamp", "level", "logger", "message"} <= set(line), line
    mine = [line for line in api_lines if line.get("run_id") == run["run_id"]]
    messages = [line["message"] for line in mine]
    assert "run started: mode=signal trigger=api" in messages, messages
    assert "run finished: completed" in messages, messages
    assert all(line["thread_id"] == thread_id for line in mine)
    assert any(
        f"POST /threads/{thread_id}/runs/wait" in line["message"]
        for line in api_lines
        if line["logger"] == "uvicorn.access"
    )
