"""Running one slot of one job: reload the config, take the lease, claim the slot, run, record.

Why this order: the config is refreshed first so the whole job runs on one settings object; the
lease says nobody else runs this job right now (an overlap is skipped and logged); the claim in
``job_slots`` says nobody ever ran this slot (a second process arriving later skips it). A stop
signal during a cycle lets the cycle reach its step boundary (``execute`` is always followed by
``record``), and the slot is left ``interrupted`` for the next start to resume.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from config.settings import Settings
from graph.engine import TradingEngine
from graph.schedule.account_jobs import (
    run_eod_report,
    run_health_check,
    run_monitor,
    run_reconcile,
    run_retention,
)
from graph.schedule.context import JobContext
from graph.schedule.cycle_job import run_trading_cycle
from graph.schedule.heartbeats import SCHEDULER_HEARTBEAT
from graph.schedule.hot_reload import ConfigWatcher
from graph.schedule.jobs import JobName
from graph.schedule.leases import JobLeases, job_leases_from_settings
from graph.schedule.session import MarketSession
from tools.clock import Clock, SystemClock
from tools.persistence.schedule_records import HeartbeatStore, JobSlotStore, SlotState

__all__ = ["JOB_BODIES", "SlotOutcome", "SlotReport", "SlotRunner", "process_owner"]

log = logging.getLogger(__name__)

JobBody = Callable[[JobContext], Awaitable[str]]

JOB_BODIES: Mapping[JobName, JobBody] = {
    JobName.TRADING_CYCLE: run_trading_cycle,
    JobName.POSITION_MONITOR: run_monitor,
    JobName.HEALTH_CHECK: run_health_check,
    JobName.RECONCILE: run_reconcile,
    JobName.EOD_REPORT: run_eod_report,
    JobName.RETENTION: run_retention,
}


def process_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class SlotOutcome(StrEnum):
    RAN = "ran"
    FAILED = "failed"
    INTERRUPTED = "interrupted"
    OVERLAP = "skipped_overlap"
    """Another process holds this job's lease right now."""
    ALREADY_RAN = "skipped_already_ran"
    """The slot is recorded (running, done or failed) by some process already."""


@dataclass(frozen=True, slots=True)
class SlotReport:
    job: JobName
    slot_at: datetime
    outcome: SlotOutcome
    note: str = ""


class SlotRunner:
    """Runs slots for one scheduler process.

    Args:
        watcher: the settings in force and their hot reload.
        clock: the clock jobs read (``FixedClock`` for ``--once --at`` on the paper broker).
        leases: defaults to ``job_leases_from_settings`` on the first settings.
        bodies: job name -> body (tests may run a subset; the real bodies by default).
    """

    def __init__(
        self,
        watcher: ConfigWatcher,
        *,
        clock: Clock | None = None,
        leases: JobLeases | None = None,
        bodies: Mapping[JobName, JobBody] = JOB_BODIES,
        owner: str | None = None,
    ) -> None:
        self.watcher = watcher
        self.clock = clock or SystemClock()
        self.leases = leases or job_leases_from_settings(watcher.settings)
        self.bodies = bodies
        self.owner = owner or process_owner()

    @property
    def settings(self) -> Settings:
        return self.watcher.settings

    async def run(self, job: JobName, slot_at: datetime) -> SlotReport:
        async with TradingEngine.open(
            self.watcher.settings, purpose="operator", clock=self.clock
        ) as operator:
            settings = self.watcher.refresh(
                now=self.clock.now(), ledger=operator.ledger, alerts=operator.alerts
            )
        # The job runs on the refreshed settings, with an operator engine opened on them.
        async with TradingEngine.open(settings, purpose="operator", clock=self.clock) as operator:
            with self.leases.hold(job.value) as held:
                if not held:
                    log.warning("job %s slot %s skipped: another process runs it", job, slot_at)
                    return SlotReport(job, slot_at, SlotOutcome.OVERLAP, "lease held elsewhere")
                return await self._claimed(job, slot_at, settings, operator)

    async def _claimed(
        self, job: JobName, slot_at: datetime, settings: Settings, operator: TradingEngine
    ) -> SlotReport:
        slots = JobSlotStore(operator.ledger.store)
        if not slots.claim(job.value, slot_at, owner=self.owner, at=self.clock.now()):
            log.info("job %s slot %s skipped: already recorded", job, slot_at)
            return SlotReport(job, slot_at, SlotOutcome.ALREADY_RAN, "slot already recorded")
        HeartbeatStore(operator.ledger.store).beat(
            SCHEDULER_HEARTBEAT, self.clock.now(), owner=self.owner, detail={"job": job.value}
        )
        context = JobContext(
            job=job,
            slot_at=slot_at,
            settings=settings,
            operator=operator,
            clock=self.clock,
            session=MarketSession(broker=operator.broker, alerts=operator.alerts),
            owner=self.owner,
            live_clock=_is_live(self.clock, slot_at),
        )
        try:
            note = await self.bodies[job](context)
        except asyncio.CancelledError:
            slots.finish(
                job.value,
                slot_at,
                state=SlotState.INTERRUPTED,
                at=self.clock.now(),
                note="stopped by a signal at a step boundary; the next start resumes it",
            )
            raise
        except Exception as exc:
            log.exception("job %s slot %s failed", job, slot_at)
            note = f"{type(exc).__name__}: {exc}"
            slots.finish(job.value, slot_at, state=SlotState.FAILED, at=self.clock.now(), note=note)
            return SlotReport(job, slot_at, SlotOutcome.FAILED, note)
        slots.finish(job.value, slot_at, state=SlotState.DONE, at=self.clock.now(), note=note)
        return SlotReport(job, slot_at, SlotOutcome.RAN, note)


def _is_live(clock: Clock, slot_at: datetime) -> bool:
    return isinstance(clock, SystemClock) and abs(clock.now() - slot_at) < timedelta(minutes=15)
