"""JSON lines with the run's ids for a collector; a plain line on a terminal."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator

import pytest

from api.logging_setup import configure_logging
from config.settings import packaged_settings
from tools.observability.log_context import bind_run


@pytest.fixture
def restore_root() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _lines(out: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_json_lines_carry_the_run_bound_in_the_task_and_the_callers_fields(
    restore_root: None,
) -> None:
    out = io.StringIO()
    configure_logging(packaged_settings(), stream=out)
    log = logging.getLogger("hedgegraph.test")

    async def a_run() -> None:
        bind_run("run-1", "thread-1")
        log.info("order %s", "filled", extra={"ticker": "AAPL", "client_order_id": "cid-1"})

    asyncio.run(a_run())
    log.warning("outside any run")
    inside, outside = _lines(out)
    assert inside["message"] == "order filled" and inside["level"] == "INFO"
    assert inside["logger"] == "hedgegraph.test"
    assert str(inside["timestamp"]).endswith("+00:00")
    assert (inside["run_id"], inside["thread_id"]) == ("run-1", "thread-1")
    assert (inside["ticker"], inside["client_order_id"]) == ("AAPL", "cid-1")
    assert "run_id" not in outside, "the run's ids stay in the run's task"
    assert outside["level"] == "WARNING"


def test_a_terminal_gets_plain_lines_with_the_context_at_the_end(restore_root: None) -> None:
    out = _Terminal()
    configure_logging(packaged_settings(), stream=out)
    logging.getLogger("hedgegraph.test").info("gate vetoed", extra={"ticker": "MSFT"})
    line = out.getvalue().strip()
    assert not line.startswith("{")
    assert "INFO" in line and "hedgegraph.test: gate vetoed" in line
    assert line.endswith("[ticker=MSFT]")


def test_configuring_twice_keeps_one_handler(restore_root: None) -> None:
    first, second = io.StringIO(), io.StringIO()
    configure_logging(packaged_settings(), stream=first)
    configure_logging(packaged_settings(), stream=second)
    logging.getLogger("hedgegraph.test").info("once")
    assert first.getvalue() == "" and len(second.getvalue().splitlines()) == 1
