"""Named crash points for crash-consistency tests, in the style of fail-rs failpoints.

``HEDGEGRAPH_FAILPOINTS=after_risk_gate,after_submit`` makes the process kill itself with SIGKILL
when execution reaches one of those names, exactly as an OOM kill or power loss would. Unset (the
default) they cost one frozenset lookup. They exist so tests can prove exactly-once delivery across
a real process death instead of simulating one.
"""

from __future__ import annotations

import os
import signal
from functools import cache

__all__ = ["failpoint"]

_ENV = "HEDGEGRAPH_FAILPOINTS"


@cache
def _armed() -> frozenset[str]:
    raw = os.environ.get(_ENV, "")
    return frozenset(name.strip() for name in raw.split(",") if name.strip())


def failpoint(name: str) -> None:
    """Kill this process with SIGKILL if ``name`` is armed."""
    if name in _armed():
        os.kill(os.getpid(), signal.SIGKILL)
