"""The run's stop request drains the graph, except once ``execute`` has started.

The cycle-level proofs (a cancel during ``execute`` waits for ``record``; a cancel between two
other steps stops there) are in tests/integration/graph/test_cancellation.py; these pin the
control's own rule, which LangGraph reads at every step boundary.
"""

from __future__ import annotations

import asyncio
import threading

from langgraph.runtime import Runtime

from graph.run_control import CycleControl, mark_executing


def test_the_stop_event_is_the_drain_request() -> None:
    stop = asyncio.Event()
    control = CycleControl(stop)
    assert not control.drain_requested
    assert control.drain_reason is None
    stop.set()
    assert control.drain_requested
    assert control.drain_reason == "cancelled"


def test_langgraphs_own_request_drains_too() -> None:
    control = CycleControl(asyncio.Event())
    control.request_drain("shutdown")
    assert control.drain_requested
    assert control.drain_reason == "shutdown"


def test_once_execute_started_nothing_drains_the_run() -> None:
    stop = asyncio.Event()
    control = CycleControl(stop)
    # execute is a sync node: it marks the run from its worker thread
    worker = threading.Thread(target=mark_executing, args=(Runtime(context=None, control=control),))
    worker.start()
    worker.join()
    stop.set()
    control.request_drain("shutdown")
    assert not control.drain_requested
