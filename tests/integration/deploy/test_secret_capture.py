"""No secret anywhere: every secret set to a value of its own, a cycle and an emergency stop run
through the deployed API, then every log line, API response, database row, checkpoint and Redis
value is searched for each of them.

Why the webhook: its URL carries the channel's token and is not a SecretStr, and httpx logs
every request's full URL at INFO. So a real leak path runs in the real process (the halt's
critical alert is delivered there), and only the redaction filter stands between it and the log:
the test checks that the mask appears in the very line that would have held the token.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import redis

from tests.fixtures.servers import fresh_database
from tests.integration.deploy.stack import (
    WEBHOOK_TOKEN,
    Stack,
    all_secrets,
    deployed_stack,
    webhook_catcher,
)
from tests.integration.server.helpers import trading_input
from tools.observability.redaction import MASK

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]


def _exercise(stack: Stack) -> list[str]:
    """Every kind of answer the API gives an operator; each one's headers and body."""
    seen: list[httpx.Response] = []
    with httpx.Client(base_url=stack.api_url, headers=stack.headers, timeout=120) as http:
        thread_id = http.post("/threads", json={}).json()["thread_id"]
        body = {"assistant_id": "trading", "input": trading_input(tickers=["AAPL", "MSFT"])}
        done = http.post(f"/threads/{thread_id}/runs/wait", json=body)
        assert done.status_code == 200, done.text
        seen.append(done)
        for path in (
            "/ok",
            "/ready",
            "/info",
            "/openapi.json",
            f"/threads/{thread_id}",
            f"/threads/{thread_id}/state",
            f"/threads/{thread_id}/runs",
            f"/api/v1/threads/{thread_id}/audit",
            "/api/v1/account",
            "/api/v1/orders",
            "/api/v1/trading/state",
            "/metrics",
        ):
            seen.append(http.get(path))
        seen.append(http.post(f"/threads/{thread_id}/history", json={}))
        halt = http.post("/api/v1/trading/halt", json={"reason": "capture test", "confirm": True})
        assert halt.status_code == 200, halt.text
        seen.append(halt)
        seen.append(
            http.post(
                "/api/v1/trading/resume", json={"reason": "capture test over", "confirm": True}
            )
        )
        seen.append(http.get("/api/v1/alerts"))
        seen.append(http.post("/nope", json={}))  # an error answer
    seen.append(httpx.get(stack.metrics_url, timeout=30))
    seen.append(httpx.get(f"{stack.api_url}/threads", timeout=30))  # 401 without the key
    for answer in seen:
        assert answer.status_code < 500, f"{answer.request.url}: {answer.text[:500]}"
    return [f"{r.request.url}\n{r.headers}\n{r.text}" for r in seen]


def _database_rows(url: str) -> list[str]:
    """Every row of every table (ledger, runs, alerts, config changes, checkpoints) as JSON;
    bytea columns come out hex-encoded, so the search also looks for each secret's hex."""
    rows: list[str] = []
    with psycopg.connect(url, autocommit=True) as conn:
        tables = conn.execute(
            "select table_name from information_schema.tables "
            "where table_schema = 'public' and table_type = 'BASE TABLE'"
        ).fetchall()
        assert len(tables) > 10, tables
        for (table,) in tables:
            for (row,) in conn.execute(f'select row_to_json(t)::text from "{table}" t'):
                rows.append(f"{table}: {row}")
    return rows


def _redis_values(url: str) -> list[str]:
    client = redis.Redis.from_url(url)
    found: list[str] = []
    try:
        for key in client.scan_iter(count=500):
            raw_kind: Any = client.type(key)
            kind = raw_kind.decode() if isinstance(raw_kind, bytes) else str(raw_kind)
            value: Any
            if kind == "string":
                value = client.get(key)
            elif kind == "hash":
                value = client.hgetall(key)
            elif kind == "list":
                value = client.lrange(key, 0, -1)
            elif kind == "set":
                value = client.smembers(key)
            elif kind == "zset":
                value = client.zrange(key, 0, -1)
            elif kind == "stream":
                value = client.xrange(key)
            else:  # ReJSON-RL (checkpoints, when they live in Redis)
                value = client.execute_command("JSON.GET", key)
            found.append(f"{key!r}: {value!r}")
    finally:
        client.close()
    return found


def _leaks(texts: list[str], secrets: dict[str, str]) -> list[str]:
    hits = []
    for name, secret in secrets.items():
        for text in texts:
            if secret in text or secret.encode().hex() in text:
                hits.append(f"{name} in: {text[:300]}")
                break
    return hits


def test_no_secret_in_logs_responses_rows_or_checkpoints(
    tmp_path: Path, postgres_url: str, redis_url: str
) -> None:
    database = fresh_database(postgres_url, prefix="capture")
    with (
        webhook_catcher() as hook,
        deployed_stack(
            tmp_path,
            database_url=database,
            redis_url=redis_url,
            ALERTS__WEBHOOKS=hook.url,
        ) as stack,
    ):
        answers = _exercise(stack)
        store_url, cache_url = stack.database_url, stack.redis_url
    logs = stack.logs()  # both processes stopped: their last lines are written
    assert hook.bodies, "the halt's critical alert went out through the webhook sink"
    assert any("capture test" in json.loads(b).get("text", "") for b in hook.bodies)
    webhook_lines = [line for line in logs.splitlines() if "HTTP Request: POST" in line]
    assert webhook_lines, "httpx logged the webhook request (the leak path this test guards)"
    assert all(f"POST {MASK}" in line for line in webhook_lines), webhook_lines
    assert WEBHOOK_TOKEN not in logs

    secrets = all_secrets()
    assert not _leaks([*logs.splitlines(), stack.migrate_output], secrets), "in the logs"
    assert not _leaks(answers, secrets), "in an API response"
    rows = _database_rows(store_url)
    assert any("checkpoint" in row.split(":", 1)[0] for row in rows), "checkpoints searched"
    assert not _leaks(rows, secrets), "in the database"
    assert not _leaks(_redis_values(cache_url), secrets), "in Redis"
