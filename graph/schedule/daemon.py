"""The scheduler daemon: APScheduler's asyncio scheduler firing slots through ``SlotRunner``.

Why the triggers carry the plan: APScheduler decides *when* (misfire grace, coalescing, one
instance per job, all explicit from ``schedule:``), our triggers decide *which instants are
slots* (sessions, holidays, early closes), and a fired job works out its slot from its own
trigger, so the slot time, and with it the cycle's thread id, never depends on scheduling jitter.

Stopping (SIGTERM, or ``stop`` set by ``hedgegraph serve``): no new job starts; a running trading
cycle is cancelled, which the run driver honours at the next step boundary (after ``record`` if
``execute`` ran) and the slot is left ``interrupted``; other jobs are waited for. The next start
resumes interrupted slots and reports slots a dead process left ``running``.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from domain import EventSeverity
from graph.engine import TradingEngine
from graph.schedule.heartbeats import SCHEDULER_HEARTBEAT, check_monitor_heartbeat
from graph.schedule.jobs import JobName, JobSpec, job_specs
from graph.schedule.session import MarketSession
from graph.schedule.slots import SlotReport, SlotRunner
from tools.alerts.model import Alert
from tools.persistence.schedule_records import HeartbeatStore, JobSlotStore, SlotState

__all__ = ["HEARTBEAT_SECONDS", "SchedulerDaemon"]

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 30
"""How often the daemon beats and checks the monitor's beat (well inside the stale limit)."""


class SchedulerDaemon:
    def __init__(self, runner: SlotRunner) -> None:
        self.runner = runner
        self._running: dict[asyncio.Task[SlotReport], JobName] = {}

    def specs(self) -> list[JobSpec]:
        return job_specs(self.runner.settings.schedule, MarketSession())

    def due_slots(
        self, at: datetime, *, job: JobName | None = None
    ) -> list[tuple[JobName, datetime]]:
        """The slot each enabled job (or ``job``, enabled or not) has due at ``at``.

        A job is due when one of its slots lies within the misfire grace before ``at``. Naming a
        job with no slot due runs it for ``at`` itself (truncated to the minute): an explicit
        request by an operator or a cron line; the trading cycle still checks the market.
        """
        grace = timedelta(seconds=self.runner.settings.schedule.misfire_grace_seconds)
        due: list[tuple[JobName, datetime]] = []
        for spec in self.specs():
            if job is not None and spec.name is not job:
                continue
            if job is None and not spec.enabled:
                continue
            slot = spec.trigger.latest_at_or_before(at, lookback=grace)
            if slot is None and job is not None:
                slot = at.replace(second=0, microsecond=0)
            if slot is not None:
                due.append((spec.name, slot))
        return due

    async def run_once(self, at: datetime, *, job: JobName | None = None) -> list[SlotReport]:
        """Recover, then run every due slot at ``at``, one after the other."""
        reports = await self.recover()
        for name, slot in self.due_slots(at, job=job):
            reports.append(await self.runner.run(name, slot))
        return reports

    async def recover(self) -> list[SlotReport]:
        """Resume slots a stop signal interrupted; report slots a dead process left running."""
        settings = self.runner.settings
        async with TradingEngine.open(settings, purpose="operator", clock=self.runner.clock) as ops:
            unfinished = JobSlotStore(ops.ledger.store).unfinished()
            for row in unfinished:
                if row.state == SlotState.RUNNING and row.owner != self.runner.owner:
                    ops.alerts.send(
                        Alert(
                            severity=EventSeverity.ERROR,
                            title="scheduled slot left unfinished",
                            message=f"job {row.job} slot {row.slot_at.isoformat()} was started by "
                            f"{row.owner} and never finished (the process died); its orders, if "
                            "any, are in the ledger and were reconciled at start-up",
                            at=self.runner.clock.now(),
                            key=f"slot-unfinished:{row.job}:{row.slot_at.isoformat()}",
                            source="scheduler",
                        )
                    )
        reports = []
        for row in unfinished:
            if row.state == SlotState.INTERRUPTED:
                log.info("resuming interrupted slot %s %s", row.job, row.slot_at)
                reports.append(await self.runner.run(JobName(row.job), row.slot_at))
        return reports

    async def _fire(self, spec: JobSpec) -> None:
        now = self.runner.clock.now()
        grace = timedelta(seconds=self.runner.settings.schedule.misfire_grace_seconds)
        slot = spec.trigger.latest_at_or_before(now, lookback=grace)
        if slot is None:
            log.warning("job %s fired at %s with no slot due; skipped", spec.name, now)
            return
        task = asyncio.create_task(self.runner.run(spec.name, slot), name=f"slot:{spec.name}")
        self._running[task] = spec.name
        try:
            report = await asyncio.shield(task)
            log.info("job %s slot %s: %s %s", spec.name, slot, report.outcome, report.note)
        finally:
            if task.done():
                self._running.pop(task, None)

    async def _beat(self) -> None:
        settings = self.runner.settings
        async with TradingEngine.open(settings, purpose="operator", clock=self.runner.clock) as ops:
            now = self.runner.clock.now()
            HeartbeatStore(ops.ledger.store).beat(SCHEDULER_HEARTBEAT, now, owner=self.runner.owner)
            positions_open = bool(ops.broker.portfolio().positions)
            check_monitor_heartbeat(
                ops.ledger,
                now=now,
                max_age_seconds=settings.risk.monitor_heartbeat_max_age_seconds,
                positions_open=positions_open,
                alerts=ops.alerts,
            )

    async def serve(self, stop: asyncio.Event) -> None:
        """Run until ``stop`` is set; then stop at a job boundary (see the module docstring)."""
        from apscheduler.schedulers.asyncio import AsyncIOScheduler
        from apscheduler.triggers.interval import IntervalTrigger

        await self.recover()
        try:  # announce this process now, not one interval later (status and /ready read it)
            await self._beat()
        except Exception:
            log.exception("the scheduler's first heartbeat failed; the next interval retries")
        schedule = self.runner.settings.schedule
        scheduler = AsyncIOScheduler(
            timezone=schedule.timezone,
            job_defaults={
                "misfire_grace_time": schedule.misfire_grace_seconds,
                "coalesce": schedule.coalesce,
                "max_instances": 1,
            },
        )
        for spec in self.specs():
            if spec.enabled:
                scheduler.add_job(self._fire, trigger=spec.trigger, args=[spec], id=spec.name.value)
        scheduler.add_job(
            self._beat, trigger=IntervalTrigger(seconds=HEARTBEAT_SECONDS), id="heartbeat"
        )
        scheduler.start()
        try:
            await stop.wait()
        finally:
            scheduler.shutdown(wait=False)
            await self._drain()

    async def _drain(self) -> None:
        for task, name in list(self._running.items()):
            if name is JobName.TRADING_CYCLE:
                task.cancel()  # the run driver stops at the next step boundary
        for task in list(self._running):
            try:
                await task
            except asyncio.CancelledError:
                pass
            except Exception:
                log.exception("job failed while the scheduler stopped")
