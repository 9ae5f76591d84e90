"""The scheduler inside ``hedgegraph serve`` when ``schedule.embedded`` is true.

Why it is safe to run beside a standalone ``hedgegraph scheduler``: every slot goes through the
same per-job lease and slot record (graph/schedule/slots.py), so whichever process takes a slot
first runs it and the other skips it. Why it stops before the engine closes: the daemon cancels
a running cycle at its next step boundary (``execute`` is always followed by ``record``) and
waits for the other jobs, so a server shut down mid-cycle leaves no order without its record.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from config.settings import Settings
    from tools.clock import Clock

__all__ = ["embedded_scheduler"]

log = logging.getLogger(__name__)


@asynccontextmanager
async def embedded_scheduler(settings: Settings, *, clock: Clock | None) -> AsyncIterator[None]:
    """Run the scheduler daemon for the server's lifetime (nothing when it is not embedded)."""
    if not settings.schedule.embedded:
        yield
        return
    from config.settings import load_settings
    from graph.schedule.daemon import SchedulerDaemon
    from graph.schedule.hot_reload import ConfigWatcher
    from graph.schedule.slots import SlotRunner
    from tools.clock import SystemClock

    watcher = ConfigWatcher.for_environment(
        settings, loader=load_settings, environ=dict(os.environ)
    )
    daemon = SchedulerDaemon(SlotRunner(watcher, clock=clock or SystemClock()))
    stop = asyncio.Event()
    task = asyncio.create_task(daemon.serve(stop), name="embedded-scheduler")
    task.add_done_callback(_report_early_end)
    log.info("embedded scheduler started (schedule.embedded)")
    try:
        yield
    finally:
        stop.set()
        with contextlib.suppress(Exception):  # reported by _report_early_end; never blocks
            await task
        log.info("embedded scheduler stopped")


def _report_early_end(task: asyncio.Task[None]) -> None:
    """A daemon that dies while the server runs is logged at once; its heartbeat then goes
    stale, which ``/ready`` and ``hedgegraph status`` show."""
    if not task.cancelled() and (exc := task.exception()) is not None:
        log.error("the embedded scheduler stopped with an error", exc_info=exc)
