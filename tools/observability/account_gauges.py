"""The account's state as gauges, read when Prometheus scrapes: trading state, equity, today's
P/L and each scheduler job's heartbeat age.

Why read at scrape time: these are facts about the books and the broker, not events of this
process; the API and the scheduler each answer them from the same ledger and broker, so two
scrapers see one truth, and a process that just started reports them at once. A read that fails
(the broker down) is reported as ``hedgegraph_account_read_ok 0`` with the gauges left out,
never as a zero equity a dashboard would plot.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator

from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from pydantic import BaseModel

__all__ = ["AccountGauges", "AccountReading", "MetricsUnion"]

log = logging.getLogger(__name__)

TRADING_STATES = ("active", "reducing", "halted")


class AccountReading(BaseModel):
    trading_state: str
    equity_usd: float | None = None
    """``None`` when the broker could not answer."""
    daily_pnl_usd: float | None = None
    """Equity minus the session's baseline; ``None`` before the first baseline of the day."""
    heartbeat_age_seconds: dict[str, float] = {}
    """Component (scheduler, position_monitor, ...) -> seconds since its last beat."""


class AccountGauges(Collector):
    def __init__(self, read: Callable[[], AccountReading]) -> None:
        self._read = read

    def collect(self) -> Iterator[Metric]:
        ok = GaugeMetricFamily(
            "hedgegraph_account_read_ok", "1 when the ledger and broker answered this scrape."
        )
        try:
            reading = self._read()
        except Exception as exc:  # a scrape must answer; the failure is the signal
            log.warning("account metrics unavailable: %s: %s", type(exc).__name__, exc)
            ok.add_metric([], 0)
            yield ok
            return
        ok.add_metric([], 1 if reading.equity_usd is not None else 0)
        yield ok
        state = GaugeMetricFamily(
            "hedgegraph_trading_state", "1 for the account's trading state.", labels=["state"]
        )
        for name in sorted({*TRADING_STATES, reading.trading_state}):
            state.add_metric([name], 1 if name == reading.trading_state else 0)
        yield state
        if reading.equity_usd is not None:
            yield GaugeMetricFamily(
                "hedgegraph_equity_usd", "Account equity at the broker.", value=reading.equity_usd
            )
        if reading.daily_pnl_usd is not None:
            yield GaugeMetricFamily(
                "hedgegraph_daily_pnl_usd",
                "Equity minus today's session baseline (negative: a loss).",
                value=reading.daily_pnl_usd,
            )
        beats = GaugeMetricFamily(
            "hedgegraph_heartbeat_age_seconds",
            "Seconds since each scheduler job's last heartbeat.",
            labels=["job"],
        )
        for job, age in sorted(reading.heartbeat_age_seconds.items()):
            beats.add_metric([job], age)
        yield beats


class MetricsUnion(Collector):
    """Several collectors exposed as one (the process registry plus this face's gauges)."""

    def __init__(self, parts: Iterable[Collector]) -> None:
        self._parts = list(parts)

    def collect(self) -> Iterator[Metric]:
        for part in self._parts:
            yield from part.collect()
