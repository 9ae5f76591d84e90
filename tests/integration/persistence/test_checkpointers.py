"""Every checkpointer the factory builds keeps a full CycleState exactly, sync and async."""

from __future__ import annotations

import uuid
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
import redis
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from graph.checkpoints.factory import (
    CheckpointSchemaBehindError,
    CheckpointTablesUnusableError,
    aopen_checkpointer,
    open_checkpointer,
    setup_checkpointer,
)
from graph.state import CycleState
from tests.fixtures.servers import fresh_database
from tests.unit.persistence.state_factory import full_trading_state


def _graph(checkpointer: object) -> CompiledStateGraph:
    builder = StateGraph(CycleState)
    builder.add_node("load", lambda state: full_trading_state(state["request"].thread_id))
    builder.add_edge(START, "load")
    builder.add_edge("load", END)
    return builder.compile(checkpointer=checkpointer)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def pg_checkpoint_url(postgres_url: str) -> str:
    name = f"ckpt_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"create database {name}")
    url = postgres_url.rsplit("/", 1)[0] + f"/{name}"
    setup_checkpointer(url)
    return url


@pytest.fixture(params=["sqlite", "postgres", "redis"])
def checkpoint_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'nested' / 'checkpoints.sqlite'}"
    if request.param == "postgres":
        return str(request.getfixturevalue("pg_checkpoint_url"))
    return str(request.getfixturevalue("redis_url"))


def test_full_state_survives_a_checkpoint_round_trip(checkpoint_url: str) -> None:
    thread = f"t-{uuid.uuid4().hex[:8]}"
    config = {"configurable": {"thread_id": thread}}
    with open_checkpointer(checkpoint_url) as saver:
        _graph(saver).invoke({"request": full_trading_state(thread)["request"]}, config)
    with open_checkpointer(checkpoint_url) as reopened:
        values = _graph(reopened).get_state(config).values
    assert values == full_trading_state(thread)
    assert values["portfolio"].cash == Decimal("99999.63")


async def test_async_twin_round_trips_the_same_state(checkpoint_url: str) -> None:
    thread = f"t-{uuid.uuid4().hex[:8]}"
    config = {"configurable": {"thread_id": thread}}
    async with aopen_checkpointer(checkpoint_url) as saver:
        await _graph(saver).ainvoke({"request": full_trading_state(thread)["request"]}, config)
        values = (await _graph(saver).aget_state(config)).values
    assert values == full_trading_state(thread)


def test_sqlite_creates_parent_folders(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "checkpoints.sqlite"
    with open_checkpointer(f"sqlite:///{target}"):
        pass
    assert target.exists()


def test_postgres_schema_behind_is_refused_with_upgrade_hint(postgres_url: str) -> None:
    name = f"empty_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"create database {name}")
    url = postgres_url.rsplit("/", 1)[0] + f"/{name}"
    with (
        pytest.raises(CheckpointSchemaBehindError, match="hedgegraph db upgrade"),
        open_checkpointer(url),
    ):
        pass
    setup_checkpointer(url)
    with open_checkpointer(url) as saver:
        assert saver is not None


async def test_async_postgres_schema_behind_is_refused(postgres_url: str) -> None:
    name = f"empty_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"create database {name}")
    url = postgres_url.rsplit("/", 1)[0] + f"/{name}"
    with pytest.raises(CheckpointSchemaBehindError, match="hedgegraph db upgrade"):
        async with aopen_checkpointer(url):
            pass


async def test_postgres_tables_that_do_not_answer_fail_at_open(postgres_url: str) -> None:
    """Migrations recorded as applied but a table gone (dropped by hand): the saver's own read
    runs at open, sync and async, so the start-up fails with a clear error, not a cycle."""
    url = fresh_database(postgres_url, "damaged")
    setup_checkpointer(url)
    with open_checkpointer(url):
        pass  # intact: opens
    async with aopen_checkpointer(url):
        pass
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("drop table checkpoint_blobs")
    with (
        pytest.raises(CheckpointTablesUnusableError, match="checkpoint_blobs"),
        open_checkpointer(url),
    ):
        pass
    with pytest.raises(CheckpointTablesUnusableError, match="checkpoint_blobs"):
        async with aopen_checkpointer(url):
            pass


def test_redis_keys_carry_the_configured_ttl(redis_url: str) -> None:
    thread = f"ttl-{uuid.uuid4().hex[:8]}"
    config = {"configurable": {"thread_id": thread}}
    with open_checkpointer(f"{redis_url}?ttl_minutes=5") as saver:
        _graph(saver).invoke({"request": full_trading_state(thread)["request"]}, config)
    client = redis.Redis.from_url(redis_url)
    keys = [k for k in client.scan_iter(match="checkpoint*") if thread.encode() in k]
    assert keys, "no checkpoint keys written for the thread"
    ttls = [client.ttl(k) for k in keys]
    assert all(0 < ttl <= 300 for ttl in ttls), ttls


def _interrupting_graph(checkpointer: object) -> CompiledStateGraph:
    from langgraph.types import interrupt

    builder = StateGraph(CycleState)
    builder.add_node("approval", lambda state: {"recorded": bool(interrupt("approve?"))})
    builder.add_edge(START, "approval")
    builder.add_edge("approval", END)
    return builder.compile(checkpointer=checkpointer)  # type: ignore[arg-type]


def test_a_fresh_reader_always_sees_the_pending_interrupt(checkpoint_url: str) -> None:
    """The stock Redis saver lost about one interrupt in four here; ours must lose none."""
    seen = []
    for _ in range(12):
        config = {"configurable": {"thread_id": f"int-{uuid.uuid4().hex[:8]}"}}
        with open_checkpointer(checkpoint_url) as saver:
            _interrupting_graph(saver).invoke({"recorded": False}, config)
        with open_checkpointer(checkpoint_url) as reader:
            seen.append(bool(_interrupting_graph(reader).get_state(config).interrupts))
    assert all(seen), seen


async def test_async_fresh_reader_always_sees_the_pending_interrupt(checkpoint_url: str) -> None:
    seen = []
    for _ in range(12):
        config = {"configurable": {"thread_id": f"aint-{uuid.uuid4().hex[:8]}"}}
        async with aopen_checkpointer(checkpoint_url) as saver:
            await _interrupting_graph(saver).ainvoke({"recorded": False}, config)
        async with aopen_checkpointer(checkpoint_url) as reader:
            state = await _interrupting_graph(reader).aget_state(config)
            seen.append(bool(state.interrupts))
    assert all(seen), seen
