"""``hedgegraph scheduler``: the daemon, one pass (``--once``) or the plan (``--list``).

Why ``--at`` only on the paper broker: it sets the clock every job reads, and a made-up time may
only ever trade the local simulated account (the same rule as ``--as-of`` replays).
"""

from __future__ import annotations

import contextlib
import json
import os
from datetime import UTC, datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from api.cli_context import load_cli_settings
from api.startup_errors import fail, startup_guard

__all__ = ["register", "scheduler"]


def _parse_at(text: str | None, timezone: str) -> datetime | None:
    if text is None:
        return None
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        fail(f"--at: {text!r} is not an ISO date-time (e.g. 2026-11-27T09:35)")
    if at.tzinfo is None:
        at = at.replace(tzinfo=ZoneInfo(timezone))  # a bare time is the exchange's local time
    return at.astimezone(UTC)


def scheduler(
    once: Annotated[bool, typer.Option("--once", help="Run the due jobs once and exit.")] = False,
    job: Annotated[
        str | None, typer.Option(help="With --once: run only this job (even if not due).")
    ] = None,
    at: Annotated[
        str | None,
        typer.Option(
            help="With --once: run as of this time (exchange time zone unless given; "
            "paper broker only)."
        ),
    ] = None,
    list_jobs: Annotated[
        bool, typer.Option("--list", help="Print each job's next fire times and exit.")
    ] = False,
    count: Annotated[int, typer.Option(min=1, max=50, help="Fire times per job for --list.")] = 3,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    metrics_port: Annotated[
        int | None,
        typer.Option(min=1, max=65535, help="Daemon: serve Prometheus metrics on this port."),
    ] = None,
    metrics_host: Annotated[str, typer.Option(help="Address for --metrics-port.")] = "127.0.0.1",
) -> None:
    """Run scheduled autonomy: trading cycle, position monitor, checks, reports, retention."""
    from graph.schedule.jobs import JobName

    settings = load_cli_settings()
    tz = settings.schedule.timezone
    chosen = None
    if job is not None:
        try:
            chosen = JobName(job)
        except ValueError:
            fail(f"--job: unknown job {job!r}", "jobs: " + ", ".join(j.value for j in JobName))
    moment = _parse_at(at, tz)
    if chosen is not None and not once:
        fail("--job goes with --once")
    if moment is not None and not (once or list_jobs):
        fail("--at goes with --once or --list")
    if moment is not None and settings.broker != "paper":
        fail(
            f"--at is refused with BROKER={settings.broker}: a made-up time may only trade the "
            "local paper broker"
        )
    if list_jobs:
        _print_plan(settings, moment or datetime.now(UTC), count, as_json)
        return
    import asyncio  # here, not at the top: ``--help`` of every command loads no event loop

    with startup_guard():
        metrics = (metrics_host, metrics_port) if metrics_port is not None else None
        code = asyncio.run(
            _main(settings, once=once, job=chosen, at=moment, as_json=as_json, metrics=metrics)
        )
    raise typer.Exit(code=code)


def _print_plan(settings: object, start: datetime, count: int, as_json: bool) -> None:
    from config.settings import Settings
    from graph.schedule.jobs import job_specs
    from graph.schedule.session import MarketSession

    assert isinstance(settings, Settings)
    tz = ZoneInfo(settings.schedule.timezone)
    plan: dict[str, object] = {}
    for spec in job_specs(settings.schedule, MarketSession()):
        fires: list[str] = []
        at = spec.trigger.first_at_or_after(start)
        while spec.enabled and at is not None and len(fires) < count:
            fires.append(at.astimezone(tz).isoformat())
            at = spec.trigger.first_at_or_after(at + timedelta(microseconds=1))
        plan[spec.name.value] = {"enabled": spec.enabled, "next": fires}
    if as_json:
        typer.echo(json.dumps({"timezone": settings.schedule.timezone, "jobs": plan}, indent=2))
        return
    typer.echo(f"next fire times ({settings.schedule.timezone}):")
    for name, entry in plan.items():
        assert isinstance(entry, dict)
        shown = ", ".join(entry["next"]) if entry["enabled"] else "disabled"
        typer.echo(f"  {name:<17} {shown or 'none in the calendar window'}")


async def _main(
    settings: object,
    *,
    once: bool,
    job: object,
    at: datetime | None,
    as_json: bool,
    metrics: tuple[str, int] | None = None,
) -> int:
    import asyncio
    import signal

    from config.settings import Settings, load_settings
    from graph.schedule.daemon import SchedulerDaemon
    from graph.schedule.hot_reload import ConfigWatcher
    from graph.schedule.jobs import JobName
    from graph.schedule.slots import SlotOutcome, SlotRunner
    from tools.clock import FixedClock, SystemClock

    assert isinstance(settings, Settings)
    assert job is None or isinstance(job, JobName)
    watcher = ConfigWatcher.for_environment(
        settings, loader=load_settings, environ=dict(os.environ)
    )
    clock = FixedClock(at) if at is not None else SystemClock()
    daemon = SchedulerDaemon(SlotRunner(watcher, clock=clock))
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    main = asyncio.current_task()
    assert main is not None

    def on_signal() -> None:
        stop.set()
        if once:
            main.cancel()  # --once: the running cycle stops at its next step boundary

    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, on_signal)
    if not once:
        typer.echo("scheduler running; SIGTERM stops it at a job boundary", err=True)
        from api.logging_setup import configure_logging
        from api.server.metrics_route import scheduler_metrics

        configure_logging(settings)  # the daemon runs unattended: JSON lines, secrets masked
        async with contextlib.AsyncExitStack() as stack:
            if metrics is not None:
                await stack.enter_async_context(scheduler_metrics(settings, *metrics))
            await daemon.serve(stop)
        return 0
    try:
        reports = await daemon.run_once(at or clock.now(), job=job)
    except asyncio.CancelledError:
        typer.echo("stopped by a signal; interrupted slots resume at the next start", err=True)
        return 3
    rows = [
        {
            "job": r.job.value,
            "slot_at": r.slot_at.isoformat(),
            "outcome": r.outcome.value,
            "note": r.note,
        }
        for r in reports
    ]
    if as_json:
        typer.echo(json.dumps({"slots": rows}, indent=2))
    else:
        for row in rows:
            typer.echo(f"{row['job']} {row['slot_at']}: {row['outcome']} {row['note']}")
    return 1 if any(r.outcome is SlotOutcome.FAILED for r in reports) else 0


def register(cli: typer.Typer) -> None:
    cli.command()(scheduler)
