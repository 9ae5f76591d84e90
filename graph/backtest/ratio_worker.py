"""A process started beside a backtest that has the statistics library imported by the time the
run ends.

Why: a year of seven tickers runs in a few seconds, and importing empyrical (scipy.stats, pandas)
for its ratios adds about 0.7 s after the last session. Started when the run starts, the worker
pays that import on the machine's other core and answers at the end in milliseconds. It changes
nothing about the numbers (``risk_ratios`` is the same function either way), and a worker that
cannot start, crashes or answers nonsense is not an error: the ratios are then computed here,
and the log says why.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from pydantic import ValidationError

from graph.backtest.risk_ratios import EquityCurve, RiskRatios, risk_ratios

__all__ = ["RatioWorker"]

_log = logging.getLogger(__name__)

_SOURCE_ROOT = Path(__file__).resolve().parents[2]
"""The folder that holds the ``graph`` package, so the worker imports this very code."""


class RatioWorker:
    """One worker for one run: ``start`` with the run, ``ratios`` once at its end, then closed."""

    def __init__(self, *, command: Sequence[str] | None = None, timeout_s: float = 60.0) -> None:
        self._command = list(command or [sys.executable, "-m", "graph.backtest.risk_ratios"])
        self._timeout_s = timeout_s
        self._process: subprocess.Popen[str] | None = None

    @property
    def pid(self) -> int | None:
        """The worker's process id while it runs (``None`` before ``start`` and once asked)."""
        return self._process.pid if self._process is not None else None

    def start(self) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(_SOURCE_ROOT), env.get("PYTHONPATH", "")) if p
        )
        try:
            self._process = subprocess.Popen(
                self._command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
            )
        except OSError as exc:
            _log.warning("risk-ratio worker did not start (%s); the ratios are computed here", exc)
            self._process = None

    def ratios(self, curve: EquityCurve) -> RiskRatios:
        """The curve's ratios from the worker, or computed here when the worker cannot answer."""
        process, self._process = self._process, None
        if process is None:
            return risk_ratios(curve)
        try:
            out, err = process.communicate(curve.model_dump_json() + "\n", self._timeout_s)
        except (OSError, subprocess.TimeoutExpired) as exc:
            _stop(process)
            _log.warning("risk-ratio worker did not answer (%s); computed here", exc)
            return risk_ratios(curve)
        if process.returncode != 0:
            _log.warning(
                "risk-ratio worker exited %s (%s); computed here",
                process.returncode,
                err.strip().splitlines()[-1:] or "no message",
            )
            return risk_ratios(curve)
        try:
            return RiskRatios.model_validate_json(out)
        except ValidationError as exc:
            _log.warning("risk-ratio worker answered %r (%s); computed here", out[:200], exc)
            return risk_ratios(curve)

    def close(self) -> None:
        """Stop a worker that was never asked (the run failed or was interrupted)."""
        process, self._process = self._process, None
        if process is not None:
            _stop(process)

    def __enter__(self) -> RatioWorker:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.kill()
    process.communicate()
