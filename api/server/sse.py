"""SSE framing of a run's event log, the way langgraph-sdk reads it.

Why the stream only tails the log: the run is a background task, so a client that disconnects
ends only its own stream (sse-starlette cancels this generator), never the run. Every frame
carries the log's id, so a reconnect with ``Last-Event-ID`` resumes right after the last frame
the client saw: none lost, none twice. A heartbeat comment keeps proxies and the SDK's 300 s read
timeout from closing a quiet stream (a cycle can think for a while between events); ``end`` is
always the last frame.

Why frames are bytes here: every client of a run sends the same frame for the same event, so the
frame is encoded once per event (``LoggedEvent.frame``) and shared; a stream that finds several
events waiting sends them as one chunk.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import quote

from sse_starlette import EventSourceResponse

from api.server.event_log import END_EVENT, EventLog

__all__ = ["HEARTBEAT_SECONDS", "run_stream"]

HEARTBEAT_SECONDS = 10
"""Under the 15 s the operators' proxies allow, well under the SDK's 300 s read timeout."""
SEND_TIMEOUT_SECONDS = 30
"""A stalled client (full TCP buffers) is dropped instead of pinning its stream forever."""
_ALWAYS = frozenset({"metadata", "error", END_EVENT})


async def _frames(
    events: EventLog, run_id: str, modes: set[str], after: str | None
) -> AsyncIterator[bytes]:
    async for batch in events.follow_batches(run_id, after=after):
        chunk = b"".join(e.frame for e in batch if e.event in _ALWAYS or e.event in modes)
        if chunk:
            yield chunk


def run_stream(
    events: EventLog,
    *,
    thread_id: str,
    run_id: str,
    modes: set[str],
    after: str | None = None,
    heartbeat_seconds: float = HEARTBEAT_SECONDS,
) -> EventSourceResponse:
    """The SSE response of one run, with the reconnect target the SDK follows; a heartbeat
    comment every ``heartbeat_seconds`` while it runs."""
    run_path = f"/threads/{quote(thread_id, safe='')}/runs/{quote(run_id, safe='')}"
    return EventSourceResponse(  # headers are latin-1: ids go percent-encoded, as in a URL
        _frames(events, run_id, modes, after),
        ping=heartbeat_seconds,
        send_timeout=SEND_TIMEOUT_SECONDS,
        headers={"Location": f"{run_path}/stream", "Content-Location": run_path},
    )
