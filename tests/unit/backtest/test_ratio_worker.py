"""The statistics worker: the same ratios as in-process, and never the reason a backtest fails."""

from __future__ import annotations

import logging
import os
import sys
from datetime import date, timedelta

import pytest

from graph.backtest.ratio_worker import RatioWorker
from graph.backtest.risk_ratios import EquityCurve, risk_ratios

_START = date(2022, 1, 3)
CURVE = EquityCurve(
    days=tuple(_START + timedelta(days=i) for i in range(60)),
    # an uneven path with a drawdown, values with long decimal expansions
    equity=tuple(100_000.0 * (1 + 0.013 * ((i * 7) % 11 - 5) / 3) ** (i / 9) for i in range(60)),
    start_equity=100_000.0,
)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie still answers the signal; it is gone once reaped, which _stop does
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split()[2] != "Z"


def test_the_worker_answers_exactly_what_this_process_computes(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with (
        caplog.at_level(logging.WARNING, logger="graph.backtest.ratio_worker"),
        RatioWorker() as worker,
    ):
        pid = worker.pid
        assert pid is not None and pid != os.getpid()
        answered = worker.ratios(CURVE)
    assert caplog.records == []  # answered by the worker, not by the fallback
    assert answered == risk_ratios(CURVE)  # exact: the floats cross the pipe unchanged
    assert answered.max_drawdown is not None and answered.max_drawdown < 0
    assert not _alive(pid)


def test_an_empty_curve_has_no_drawdown_from_either_road() -> None:
    empty = EquityCurve(days=(), equity=(), start_equity=1000.0)
    with RatioWorker() as worker:
        assert worker.ratios(empty) == risk_ratios(empty)
    assert risk_ratios(empty).max_drawdown is None


def test_a_worker_that_cannot_start_falls_back_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with (
        caplog.at_level(logging.WARNING, logger="graph.backtest.ratio_worker"),
        RatioWorker(command=["/nonexistent/python"]) as worker,
    ):
        assert worker.pid is None
        answered = worker.ratios(CURVE)
    assert answered == risk_ratios(CURVE)
    assert "did not start" in caplog.text


@pytest.mark.parametrize(
    ("program", "said"),
    [
        ("import sys; sys.stdin.readline(); print('not json')", "answered"),
        ("import sys; sys.stdin.readline(); sys.exit('worker broke')", "exited 1"),
    ],
)
def test_a_worker_that_answers_nonsense_or_crashes_is_not_believed(
    program: str, said: str, caplog: pytest.LogCaptureFixture
) -> None:
    with (
        caplog.at_level(logging.WARNING, logger="graph.backtest.ratio_worker"),
        RatioWorker(command=[sys.executable, "-c", program]) as worker,
    ):
        answered = worker.ratios(CURVE)
    assert answered == risk_ratios(CURVE)
    assert said in caplog.text


def test_a_worker_that_hangs_is_stopped_at_the_timeout(caplog: pytest.LogCaptureFixture) -> None:
    hang = [sys.executable, "-c", "import time; time.sleep(60)"]
    with (
        caplog.at_level(logging.WARNING, logger="graph.backtest.ratio_worker"),
        RatioWorker(command=hang, timeout_s=0.5) as worker,
    ):
        pid = worker.pid
        assert pid is not None
        answered = worker.ratios(CURVE)
    assert answered == risk_ratios(CURVE)
    assert "did not answer" in caplog.text
    assert not _alive(pid)


def test_a_worker_never_asked_is_stopped_with_the_run() -> None:
    """A run that fails or is interrupted leaves no process behind."""
    pids: list[int | None] = []
    with pytest.raises(RuntimeError, match="the run failed"), RatioWorker() as worker:
        pids.append(worker.pid)
        raise RuntimeError("the run failed")
    [pid] = pids
    assert pid is not None
    assert not _alive(pid)
