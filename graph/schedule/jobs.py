"""The scheduler's jobs and when each fires, from the ``schedule:`` section.

Why one table of jobs: the daemon, ``--once``, ``--list`` and the tests read the same specs, so a
job switched off in YAML is off everywhere and a fire time printed is a fire time run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from config.sections import ScheduleConfig
from graph.schedule.session import MarketSession
from graph.schedule.triggers import (
    AfterCloseTrigger,
    InSessionIntervalTrigger,
    SessionCronTrigger,
    SessionRule,
    SlotTrigger,
)

__all__ = ["JobName", "JobSpec", "job_specs", "planned_fires", "slot_thread_id"]


class JobName(StrEnum):
    TRADING_CYCLE = "trading_cycle"
    POSITION_MONITOR = "position_monitor"
    HEALTH_CHECK = "health_check"
    RECONCILE = "reconcile"
    EOD_REPORT = "eod_report"
    RETENTION = "retention"


@dataclass(frozen=True, slots=True)
class JobSpec:
    name: JobName
    enabled: bool
    trigger: SlotTrigger


def job_specs(schedule: ScheduleConfig, session: MarketSession) -> list[JobSpec]:
    """Every job with its switch and its trigger, in the exchange's time zone."""
    tz = schedule.timezone

    def cron(expression: str, rule: SessionRule) -> SessionCronTrigger:
        return SessionCronTrigger(expression, timezone=tz, session=session, rule=rule)

    return [
        JobSpec(
            JobName.TRADING_CYCLE,
            schedule.trading_cycle_enabled,
            cron(schedule.trading_cycle_cron, SessionRule.MARKET_OPEN),
        ),
        JobSpec(
            JobName.POSITION_MONITOR,
            schedule.position_monitor_enabled,
            InSessionIntervalTrigger(schedule.position_monitor_interval_seconds, session=session),
        ),
        JobSpec(
            JobName.HEALTH_CHECK,
            schedule.health_check_enabled,
            cron(schedule.health_check_cron, SessionRule.SESSION_DAY),
        ),
        JobSpec(
            JobName.RECONCILE,
            schedule.reconcile_enabled,
            cron(schedule.reconcile_cron, SessionRule.SESSION_DAY),
        ),
        JobSpec(
            JobName.EOD_REPORT,
            schedule.eod_report_enabled,
            AfterCloseTrigger(schedule.eod_report_minutes_after_close, session=session),
        ),
        JobSpec(
            JobName.RETENTION,
            schedule.retention_enabled,
            cron(schedule.retention_cron, SessionRule.ANY_DAY),
        ),
    ]


def planned_fires(
    specs: list[JobSpec], start: datetime, end: datetime
) -> list[tuple[datetime, JobName]]:
    """Every enabled job's slots in ``[start, end)``, in time order."""
    fires = [
        (at, spec.name)
        for spec in specs
        if spec.enabled
        for at in spec.trigger.fires_between(start, end)
    ]
    return sorted(fires)


def slot_thread_id(job: JobName, slot_at: datetime) -> str:
    """The graph thread of a job's slot: the same slot always maps to the same thread, so a
    restart resumes it (or reports it done) instead of running it a second time."""
    return f"sched-{job.value}-{slot_at:%Y%m%dT%H%M%SZ}"
