"""The session servers are real: Postgres answers SQL, Valkey has the JSON and Search modules."""

from __future__ import annotations

import psycopg
import redis


def test_postgres_server_answers_sql(postgres_url: str) -> None:
    with psycopg.connect(postgres_url) as conn:
        row = conn.execute("select current_setting('server_version_num')::int").fetchone()
    assert row is not None and 150000 <= row[0] < 160000


def test_redis_server_has_json_and_search_modules(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    modules = {m[b"name"].decode().lower() for m in client.module_list()}
    assert {"rejson", "search"} <= modules or {"rejson", "ft"} <= modules, modules
    client.json().set("hg:probe", "$", {"qty": "1.5"})
    assert client.json().get("hg:probe", "$.qty") == ["1.5"]
