"""The Postgres checkpointer serialises on the loop and stores exactly what the stock saver stores.

Why these tests: ``InlinePostgresSaver`` rewrites the stock saver's ``aput`` / ``aput_writes``
without the worker-thread hops. A thread written by a release that used the stock saver must
resume under this one and the other way round, blob channels, inline primitives, pending writes
(special channels included) and parent links alike; and no call may leave the loop for a worker
thread any more (the reason the class exists). The conformance suite
(test_conformance.py) runs the whole checkpointer contract against it as well.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from langgraph.checkpoint.base import empty_checkpoint
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from langgraph.constants import TASKS
from langgraph.types import Send
from psycopg_pool import AsyncConnectionPool

from graph.checkpoints.factory import aopen_checkpointer, setup_checkpointer
from graph.checkpoints.inline_postgres import InlinePostgresSaver
from graph.checkpoints.serde import checkpoint_serializer
from tests.fixtures.servers import fresh_database

pytestmark = pytest.mark.integration


def _root(thread_id: str) -> Any:
    return {"configurable": {"thread_id": thread_id, "checkpoint_ns": ""}}


async def _write_thread(saver: Any, thread_id: str) -> Any:
    """Two checkpoints (the second a child of the first) and pending writes on the second."""
    first = empty_checkpoint()
    first["channel_values"] = {"step": 1, "tickers": ["AAPL", "MSFT"], "note": "start"}
    first["channel_versions"] = {"step": "1", "tickers": "1", "note": "1"}
    parent = await saver.aput(
        _root(thread_id), first, {"source": "input", "step": -1}, first["channel_versions"]
    )
    second = empty_checkpoint()
    second["channel_values"] = {"step": 2, "tickers": ["AAPL"], "prices": {"AAPL": 191.5}}
    second["channel_versions"] = {"step": "2", "tickers": "2", "prices": "1"}
    written = await saver.aput(
        parent, second, {"source": "loop", "step": 0}, {"step": "2", "tickers": "2", "prices": "1"}
    )
    await saver.aput_writes(written, [("step", 3), ("verdicts", [{"ticker": "AAPL"}])], "task-a")
    await saver.aput_writes(written, [(TASKS, Send("analyst", {"ticker": "MSFT"}))], "task-b")
    return written


def _summary(found: Any) -> dict[str, Any]:
    assert found is not None
    parent = found.parent_config["configurable"]["checkpoint_id"] if found.parent_config else None
    return {
        "id": found.checkpoint["id"],
        "values": found.checkpoint["channel_values"],
        "versions": found.checkpoint["channel_versions"],
        "metadata": {k: found.metadata[k] for k in ("source", "step")},
        "parent": parent,
        "writes": [(task, channel, repr(value)) for task, channel, value in found.pending_writes],
    }


async def _stock_saver(url: str) -> tuple[AsyncConnectionPool[Any], AsyncPostgresSaver]:
    from graph.checkpoints.factory import _pg_connection_kwargs

    pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
        url, min_size=1, max_size=2, kwargs=_pg_connection_kwargs(), open=False
    )
    await pool.open()
    return pool, AsyncPostgresSaver(pool, serde=checkpoint_serializer())


async def test_threads_cross_read_between_the_stock_and_the_inline_saver(
    postgres_url: str,
) -> None:
    url = fresh_database(postgres_url, "inline_pg")
    setup_checkpointer(url)
    pool, stock = await _stock_saver(url)
    try:
        async with aopen_checkpointer(url) as opened:
            assert isinstance(opened, InlinePostgresSaver)
            await _write_thread(stock, "by-stock")
            await _write_thread(opened, "by-inline")
            for thread_id in ("by-stock", "by-inline"):
                read_inline = _summary(await opened.aget_tuple(_root(thread_id)))
                read_stock = _summary(await stock.aget_tuple(_root(thread_id)))
                assert read_inline == read_stock, thread_id
                assert read_inline["values"] == {
                    "step": 2,
                    "tickers": ["AAPL"],
                    "prices": {"AAPL": 191.5},
                }
                assert [w[:2] for w in read_inline["writes"]] == [
                    ("task-a", "step"),
                    ("task-a", "verdicts"),
                    ("task-b", TASKS),
                ]
                listed_inline = [_summary(t) async for t in opened.alist(_root(thread_id))]
                listed_stock = [_summary(t) async for t in stock.alist(_root(thread_id))]
                assert listed_inline == listed_stock
                assert [s["metadata"]["step"] for s in listed_inline] == [0, -1]
                assert [s["parent"] for s in listed_inline] == [listed_inline[1]["id"], None]
            # the same writes under the same ids give the same rows, whoever wrote them
            by_stock = _summary(await opened.aget_tuple(_root("by-stock")))
            by_inline = _summary(await opened.aget_tuple(_root("by-inline")))
            assert {k: v for k, v in by_stock.items() if k not in ("id", "parent")} == {
                k: v for k, v in by_inline.items() if k not in ("id", "parent")
            }
    finally:
        await pool.close()


async def test_no_saver_call_leaves_the_loop_for_a_worker_thread(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = fresh_database(postgres_url, "inline_pg_hops")
    setup_checkpointer(url)
    hops: list[str] = []
    real_to_thread = asyncio.to_thread

    async def counting_to_thread(fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        hops.append(getattr(fn, "__name__", repr(fn)))
        return await real_to_thread(fn, *args, **kwargs)

    monkeypatch.setattr(asyncio, "to_thread", counting_to_thread)
    async with aopen_checkpointer(url) as saver:
        await _write_thread(saver, "t-1")
        assert await saver.aget_tuple(_root("t-1")) is not None
        assert len([t async for t in saver.alist(_root("t-1"))]) == 2
    assert hops == []
    pool, stock = await _stock_saver(url)  # the same calls on the stock saver do hop
    try:
        await _write_thread(stock, "t-2")
        await stock.aget_tuple(_root("t-2"))
    finally:
        await pool.close()
    assert {"_dump_blobs", "_dump_writes", "_load_writes"} <= set(hops)
