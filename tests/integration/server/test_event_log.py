"""The run event log, embedded and on a real Redis: replay after an id, then live, none twice."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from api.server.event_log import (
    END_EVENT,
    EventLog,
    InProcessEventLog,
    InvalidEventIdError,
    LoggedEvent,
    RedisEventLog,
    UnknownRunLogError,
)

pytestmark = pytest.mark.integration


@pytest.fixture(params=["in-process", "redis"])
async def log(request: pytest.FixtureRequest) -> AsyncIterator[EventLog]:
    if request.param == "in-process":
        made: EventLog = InProcessEventLog()
    else:
        url = request.getfixturevalue("redis_url")
        made = RedisEventLog(url, prefix=f"evlog-{request.node.name}", block_ms=200)
    yield made
    await made.close()


async def _collect(log: EventLog, run_id: str, after: str | None = None) -> list[LoggedEvent]:
    return [e async for e in log.follow(run_id, after)]


async def test_a_reader_that_reconnects_gets_every_missed_event_once(log: EventLog) -> None:
    ids = [await log.append("r1", "values", f'{{"n": {n}}}') for n in range(5)]
    assert ids == sorted(ids, key=lambda i: tuple(int(p) for p in i.split("-"))), "ids only grow"
    live = asyncio.create_task(_collect(log, "r1", after=ids[1]))  # dropped after the 2nd event
    await asyncio.sleep(0.05)
    for n in range(5, 8):
        await log.append("r1", "updates", f'{{"n": {n}}}')
    await log.append("r1", END_EVENT, "null")
    resumed = await asyncio.wait_for(live, 5)
    assert [e.data for e in resumed[:-1]] == [f'{{"n": {n}}}' for n in range(2, 8)]
    assert resumed[-1].event == END_EVENT
    assert len({e.id for e in resumed}) == len(resumed)
    everything = await _collect(log, "r1")
    assert [e.id for e in everything][: len(ids)] == ids and len(everything) == 9


async def test_many_readers_each_get_the_whole_run_and_only_their_run(log: EventLog) -> None:
    await log.append("mine", "metadata", '{"run_id": "mine"}')
    await log.append("other", "metadata", '{"run_id": "other"}')
    readers = [asyncio.create_task(_collect(log, "mine")) for _ in range(20)]
    await asyncio.sleep(0.05)
    for n in range(10):
        await log.append("mine", "custom", f"{n}")
        await log.append("other", "custom", "not yours")
    await log.append("mine", END_EVENT, "null")
    for got in await asyncio.wait_for(asyncio.gather(*readers), 10):
        assert [e.data for e in got] == ['{"run_id": "mine"}', *map(str, range(10)), "null"]


async def test_unknown_runs_and_foreign_ids_are_refused(log: EventLog) -> None:
    with pytest.raises(UnknownRunLogError):
        await _collect(log, "never-ran")
    await log.append("r2", "metadata", "{}")
    with pytest.raises(InvalidEventIdError):
        await _collect(log, "r2", after="not-an-id")


async def test_redis_streams_expire_after_their_last_event(redis_url: str) -> None:
    log = RedisEventLog(redis_url, prefix="evlog-expiry", keep=timedelta(milliseconds=300))
    try:
        await log.append("r3", "metadata", "{}")
        await asyncio.sleep(0.6)
        with pytest.raises(UnknownRunLogError):
            await _collect(log, "r3")
    finally:
        await log.close()


async def test_a_reader_on_another_process_client_replays_from_redis(redis_url: str) -> None:
    writer = RedisEventLog(redis_url, prefix="evlog-two")
    reader = RedisEventLog(redis_url, prefix="evlog-two", block_ms=200)  # another worker's client
    try:
        first = await writer.append("r4", "values", "1")
        await writer.append("r4", "values", "2")
        await writer.append("r4", END_EVENT, "null")
        assert [e.data for e in await _collect(reader, "r4", after=first)] == ["2", "null"]
    finally:
        await writer.close()
        await reader.close()


async def test_an_id_is_checked_before_any_stream_reads(log: EventLog) -> None:
    """The API checks ``Last-Event-ID`` with ``check_id`` before it answers with a stream."""
    for foreign in ("not-an-id", "1-x", ""):
        with pytest.raises(InvalidEventIdError):
            log.check_id(foreign)
    await log.append("r5", "values", "1")
    await log.append("r5", END_EVENT, "null")
    if isinstance(log, InProcessEventLog):
        with pytest.raises(InvalidEventIdError):
            log.check_id("1-0")  # a Redis id: never issued here
    else:
        # a bare number is the start of that millisecond: "0" replays the whole run
        assert log.check_id("0") == "0-0"
        assert [e.data for e in await _collect(log, "r5", after="0")] == ["1", "null"]


async def test_the_readers_of_one_run_share_one_blocking_read(redis_url: str) -> None:
    """Fifty clients on one run: one XREAD blocks on Redis for all of them (it was one each, so
    a hundred clients ran the connection pool dry), and each still gets the whole run."""
    import redis.asyncio

    # a database of its own: the server is shared by the session, and other tests' readers may
    # still be blocked on theirs (CLIENT LIST names each client's database)
    own_db = redis_url.rsplit("/", 1)[0] + "/9"
    log = RedisEventLog(own_db, prefix="evlog-shared", block_ms=2_000)
    probe = redis.asyncio.Redis.from_url(own_db)
    try:
        await log.append("r6", "metadata", "{}")
        readers = [asyncio.create_task(_collect(log, "r6")) for _ in range(50)]
        await asyncio.sleep(0.5)
        blocked = [
            c
            for c in await probe.client_list()
            if c.get("cmd") == "xread" and str(c.get("db")) == "9"
        ]
        assert len(blocked) == 1, f"{len(blocked)} blocking reads for one run"
        for n in range(5):
            await log.append("r6", "custom", str(n))
        await log.append("r6", END_EVENT, "null")
        for got in await asyncio.wait_for(asyncio.gather(*readers), 10):
            assert [e.data for e in got] == ["{}", "0", "1", "2", "3", "4", "null"]
    finally:
        await probe.aclose()
        await log.close()
