"""The event log of a run: what an SSE stream replays and then follows.

Why a log and not a queue per client: a client that drops and reconnects with ``Last-Event-ID``
must receive every event it missed, then the live ones, none twice; and any number of clients may
watch one run. So every event is appended once, with an id that only grows, and each stream reads
the log from the id it has seen. The run itself never waits for a client (it only appends), so a
slow or vanished client can never hold up a trading cycle.

Embedded, the log lives in this process. With REDIS_URL it is a Redis Stream per run (XADD; XREAD
blocking for new entries), so a reconnect that lands on another worker process replays from
there; each stream expires a while after its last event (trimmed by age). A process reads each
watched stream once, for all its readers of that run (one blocking XREAD, not one per client:
a hundred clients on one run used to take a hundred pooled connections and run the pool dry).
Every run ends with an ``end`` event, after which a reader stops.

Why readers take batches and each event carries its own SSE frame: with many clients on one run
the cost is per client, per event. Here an event's frame is encoded once, the first time any
stream needs it, and every stream sends those same bytes; a reader that wakes up behind by
several events takes them all at once (one send, not one per event); and an append wakes every
waiting reader in one go (an ``asyncio.Event`` per generation, not a ``Condition`` whose lock
each of N readers must take in turn).
"""

from __future__ import annotations

import asyncio
import bisect
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from typing import Any, Protocol

__all__ = [
    "END_EVENT",
    "EventLog",
    "InProcessEventLog",
    "InvalidEventIdError",
    "LoggedEvent",
    "RedisEventLog",
    "UnknownRunLogError",
]

END_EVENT = "end"
DEFAULT_KEEP = timedelta(hours=24)
"""How long a run's events stay readable after its last event."""
POOL_WAIT_SECONDS = 30.0
"""How long a Redis command waits for a free pooled connection before it fails."""
READ_MARGIN_SECONDS = 10.0
"""How much longer than a blocking XREAD the socket waits for its answer. redis-py (8.x) reads
with a 5 s socket timeout by default: an XREAD blocked as long on a quiet run (one waiting for
its thread's lock, a slow model call) timed out, and every reader of that run failed with it."""


class InvalidEventIdError(ValueError):
    """A ``Last-Event-ID`` that this log never issued (the API answers 400 with it)."""


class UnknownRunLogError(LookupError):
    """No events were ever logged for this run here (or they expired)."""


@dataclass(frozen=True)
class LoggedEvent:
    id: str
    event: str
    data: str
    """Compact JSON, exactly what goes on the ``data:`` line."""

    @cached_property
    def frame(self) -> bytes:
        """The SSE frame of this event, encoded once and shared by every stream that sends it."""
        from sse_starlette import ServerSentEvent

        return ServerSentEvent(data=self.data, event=self.event, id=self.id).encode()


class EventLog(Protocol):
    async def append(self, run_id: str, event: str, data: str) -> str:
        """Log one event; returns its id (greater than every earlier id of the run)."""
        ...

    def check_id(self, event_id: str) -> str:
        """``event_id`` as this log reads it; ``InvalidEventIdError`` for an id it never issues
        (the API answers 400 before a stream starts, not an error in the middle of one)."""
        ...

    def follow(self, run_id: str, after: str | None = None) -> AsyncIterator[LoggedEvent]:
        """Events with an id after ``after`` (all when ``None``), then live ones, until ``end``."""
        ...

    def follow_batches(
        self, run_id: str, after: str | None = None
    ) -> AsyncIterator[list[LoggedEvent]]:
        """``follow`` in batches: whatever has been logged since the reader last woke up."""
        ...

    async def known(self, run_id: str) -> bool:
        """Has this log any events of ``run_id`` (a run another worker started, say)?"""
        ...

    async def ended(self, run_id: str) -> bool:
        """Is the newest logged event of ``run_id`` its ``end`` (False when none is logged)?"""
        ...

    async def close(self) -> None: ...


@dataclass
class _Events:
    """A run's events as this process holds them, and the wake-up of the readers waiting on it."""

    events: list[LoggedEvent] = field(default_factory=list)
    grew: asyncio.Event = field(default_factory=asyncio.Event)
    """Set (and replaced by a fresh one) on every append: every waiting reader wakes at once."""

    @property
    def ended(self) -> bool:
        return bool(self.events) and self.events[-1].event == END_EVENT

    def wake(self) -> None:
        grew, self.grew = self.grew, asyncio.Event()
        grew.set()


@dataclass
class _RunLog(_Events):
    last_append: float = field(default_factory=time.monotonic)


class InProcessEventLog:
    """The embedded log: ids ``1``, ``2``, ... per run; runs older than ``keep`` are dropped."""

    def __init__(self, *, keep: timedelta = DEFAULT_KEEP) -> None:
        self._keep = keep.total_seconds()
        self._runs: dict[str, _RunLog] = {}

    def _expire(self) -> None:
        cutoff = time.monotonic() - self._keep
        for run_id in [r for r, log in self._runs.items() if log.last_append < cutoff]:
            del self._runs[run_id]

    async def append(self, run_id: str, event: str, data: str) -> str:
        if run_id not in self._runs:
            self._expire()
        log = self._runs.setdefault(run_id, _RunLog())
        logged = LoggedEvent(str(len(log.events) + 1), event, data)
        log.events.append(logged)
        log.last_append = time.monotonic()
        log.wake()
        return logged.id

    def check_id(self, event_id: str) -> str:
        if not event_id.isdigit():
            raise InvalidEventIdError(f"event id {event_id!r} was not issued by this server")
        return event_id

    async def follow(self, run_id: str, after: str | None = None) -> AsyncIterator[LoggedEvent]:
        async for batch in self.follow_batches(run_id, after):
            for logged in batch:
                yield logged

    async def follow_batches(
        self, run_id: str, after: str | None = None
    ) -> AsyncIterator[list[LoggedEvent]]:
        if after is not None:
            after = self.check_id(after)
        log = self._runs.get(run_id)
        if log is None:
            raise UnknownRunLogError(run_id)
        position = int(after) if after is not None else 0
        if log.ended and position >= len(log.events):
            return  # the reader has seen the end already: nothing will follow
        while True:
            while len(log.events) <= position:
                await log.grew.wait()
            batch = _through_end(log.events[position:])
            position += len(batch)
            yield batch
            if batch[-1].event == END_EVENT:
                return

    async def known(self, run_id: str) -> bool:
        return run_id in self._runs

    async def ended(self, run_id: str) -> bool:
        log = self._runs.get(run_id)
        return log is not None and log.ended

    async def close(self) -> None:
        self._runs.clear()


_STREAM_ID = re.compile(r"^\d+-\d+$")


def _order(stream_id: str) -> tuple[int, int]:
    ms, _, seq = stream_id.partition("-")
    return int(ms), int(seq or 0)


@dataclass
class _Tail(_Events):
    """One process's reading of one run's Redis Stream, shared by all its local readers: with N
    clients on a run, one blocking XREAD (one pooled connection) instead of N, and one
    ``LoggedEvent`` (one encoded frame) per event instead of N."""

    order: list[tuple[int, int]] = field(default_factory=list)
    readers: int = 0
    failure: BaseException | None = None
    task: asyncio.Task[None] | None = None


class RedisEventLog:
    """One Redis Stream per run under ``<prefix>:<run_id>``; ids are the stream's own."""

    def __init__(
        self,
        client_or_url: Any,
        *,
        prefix: str = "hedgegraph:run-events",
        keep: timedelta = DEFAULT_KEEP,
        block_ms: int = 5_000,
        max_connections: int = 64,
    ) -> None:
        import redis.asyncio

        # A blocking pool: a burst of readers (a thousand clients joining one run) waits for a
        # connection instead of failing with "Too many connections".
        self._redis = (
            redis.asyncio.Redis(
                connection_pool=redis.asyncio.BlockingConnectionPool.from_url(
                    client_or_url,
                    max_connections=max_connections,
                    timeout=POOL_WAIT_SECONDS,
                    socket_timeout=block_ms / 1000 + READ_MARGIN_SECONDS,
                )
            )
            if isinstance(client_or_url, str)
            else client_or_url
        )
        self._prefix = prefix
        self._keep_ms = int(keep.total_seconds() * 1000)
        self._block_ms = block_ms
        self._tails: dict[str, _Tail] = {}
        """run id -> the one reading of its stream that this process's readers share."""

    def _key(self, run_id: str) -> str:
        return f"{self._prefix}:{run_id}"

    async def append(self, run_id: str, event: str, data: str) -> str:
        key = self._key(run_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.xadd(key, {"event": event, "data": data})
            pipe.pexpire(key, self._keep_ms)  # trimmed by age: the whole run, after its last event
            event_id, _ = await pipe.execute()
        return event_id.decode() if isinstance(event_id, bytes) else str(event_id)

    async def follow(self, run_id: str, after: str | None = None) -> AsyncIterator[LoggedEvent]:
        async for batch in self.follow_batches(run_id, after):
            for logged in batch:
                yield logged

    def check_id(self, event_id: str) -> str:
        """A stream id ``<ms>-<seq>``; a bare number ``<ms>`` reads as ``<ms>-0`` (so ``0``, which
        the reference server takes for "from the start", is the start here too)."""
        if event_id.isdigit():
            return f"{int(event_id)}-0"
        if not _STREAM_ID.match(event_id):
            raise InvalidEventIdError(f"event id {event_id!r} was not issued by this server")
        return event_id

    async def follow_batches(
        self, run_id: str, after: str | None = None
    ) -> AsyncIterator[list[LoggedEvent]]:
        if after is not None:
            after = self.check_id(after)
        key = self._key(run_id)
        tail = self._tails.get(run_id)
        if tail is not None and tail.events:  # being read here already: no round trip to Redis
            if after is not None and tail.ended and _order(after) >= tail.order[-1]:
                return  # the reader has seen the end already: nothing will follow
        else:
            if not await self._redis.exists(key):
                raise UnknownRunLogError(run_id)
            if after is not None and await self._ended_by(key, after):
                return
            tail = self._tails.get(run_id)  # another reader may have started one meanwhile
        if tail is None:
            tail = self._tails[run_id] = _Tail()
            tail.task = asyncio.create_task(self._pump(run_id, tail), name=f"tail:{key}")
        tail.readers += 1
        try:
            seen = _order(after or "0-0")
            while True:
                # the shared reading may start behind this reader's id: skip what it has seen
                while (position := bisect.bisect_right(tail.order, seen)) >= len(tail.events):
                    if tail.failure is not None:
                        raise tail.failure
                    await tail.grew.wait()
                batch = _through_end(tail.events[position:])
                seen = tail.order[position + len(batch) - 1]
                yield batch
                if batch[-1].event == END_EVENT:
                    return
        finally:
            tail.readers -= 1
            if tail.readers == 0:
                self._drop(run_id, tail)

    async def _pump(self, run_id: str, tail: _Tail) -> None:
        """Read the run's stream once for every local reader: XREAD (blocking) from the start
        until its ``end``; a failure is handed to the readers, and the next reader reads anew."""
        key, last = self._key(run_id), "0-0"
        try:
            while True:
                answer: Any = await self._redis.xread({key: last}, block=self._block_ms, count=512)
                new: list[LoggedEvent] = []
                for _stream, entries in answer or []:
                    for raw_id, fields in entries:
                        last = raw_id.decode() if isinstance(raw_id, bytes) else str(raw_id)
                        new.append(LoggedEvent(last, _text(fields, "event"), _text(fields, "data")))
                if new:
                    new = _through_end(new)
                    tail.events.extend(new)
                    tail.order.extend(_order(e.id) for e in new)
                    tail.wake()
                    if new[-1].event == END_EVENT:
                        return
        except Exception as exc:
            tail.failure = exc
            if self._tails.get(run_id) is tail:
                del self._tails[run_id]
            tail.wake()

    def _drop(self, run_id: str, tail: _Tail) -> None:
        if self._tails.get(run_id) is tail:
            del self._tails[run_id]
        if tail.task is not None and not tail.task.done():
            tail.task.cancel()

    async def _ended_by(self, key: str, after: str) -> bool:
        newest: Any = await self._redis.xrevrange(key, count=1)
        if not newest:
            return False
        raw_id, fields = newest[0]
        newest_id = raw_id.decode() if isinstance(raw_id, bytes) else str(raw_id)
        ms, _, seq = after.partition("-")
        newest_ms, _, newest_seq = newest_id.partition("-")
        seen_it = (int(newest_ms), int(newest_seq)) <= (int(ms), int(seq))
        return seen_it and _text(fields, "event") == END_EVENT

    async def known(self, run_id: str) -> bool:
        return bool(await self._redis.exists(self._key(run_id)))

    async def ended(self, run_id: str) -> bool:
        newest: Any = await self._redis.xrevrange(self._key(run_id), count=1)
        return bool(newest) and _text(newest[0][1], "event") == END_EVENT

    async def close(self) -> None:
        for run_id, tail in list(self._tails.items()):
            self._drop(run_id, tail)
        await self._redis.aclose()


def _through_end(batch: list[LoggedEvent]) -> list[LoggedEvent]:
    """The batch up to and including its ``end`` (nothing after the end is ever read)."""
    for index, logged in enumerate(batch):
        if logged.event == END_EVENT:
            return batch[: index + 1]
    return batch


def _text(fields: dict[Any, Any], name: str) -> str:
    value = fields.get(name.encode(), fields.get(name, b""))
    return value.decode() if isinstance(value, bytes) else str(value)
