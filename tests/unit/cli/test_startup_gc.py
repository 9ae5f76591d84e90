"""The CLI's start-up pause of the cyclic collector: resumed where long work begins, and never
resumed for a host that did not let the CLI pause it (api/startup_gc.py)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from api import startup_gc


@pytest.fixture(autouse=True)
def _collector_as_found() -> Iterator[None]:
    enabled = gc.isenabled()
    yield
    startup_gc._paused = False
    gc.unfreeze()
    if enabled:
        gc.enable()
    else:
        gc.disable()


def test_pause_stops_collection_and_resume_starts_it_with_start_up_frozen() -> None:
    gc.enable()
    startup_gc.pause()
    assert not gc.isenabled()
    built_at_start_up: list[object] = []
    startup_gc.resume()
    assert gc.isenabled()
    assert _tracked(built_at_start_up) is False  # frozen: no collection walks it again
    built_after: list[object] = []
    assert _tracked(built_after) is True


def _tracked(obj: object) -> bool:
    """In a generation the collector walks (a frozen object is in none of them)."""
    return any(o is obj for o in gc.get_objects())


def test_resume_leaves_a_collector_the_host_turned_off_off() -> None:
    gc.disable()
    startup_gc.pause()  # nothing to pause: the host had turned it off itself
    startup_gc.resume()
    assert not gc.isenabled()


def test_resume_without_a_pause_only_freezes() -> None:
    gc.enable()
    built_before: list[object] = []
    startup_gc.resume()
    assert gc.isenabled()
    assert _tracked(built_before) is False
