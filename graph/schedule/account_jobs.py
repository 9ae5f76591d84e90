"""The jobs that look after the account: the monitor pass, health check, reconciliation, the
end-of-day report and retention. Each returns the note recorded with its slot.

Why the monitor ignores AUTO_TRADING_ENABLED: its protective exits reduce risk, so they run
whenever positions exist; they still go down the execution road and through the gate.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

from domain import EventSeverity, PortfolioSnapshot
from graph.schedule.context import JobContext
from graph.schedule.gating import preflight_problems
from graph.schedule.heartbeats import MONITOR_HEARTBEAT, check_monitor_heartbeat
from tools.alerts.model import Alert
from tools.persistence.schedule_records import HeartbeatStore

__all__ = ["run_eod_report", "run_health_check", "run_monitor", "run_reconcile", "run_retention"]


def _monitor_pass(job: JobContext) -> str:
    from graph.checkpoints.locks import thread_locks_from_settings
    from graph.monitor.monitor import PositionMonitor

    engine = job.operator
    report = PositionMonitor(
        broker=engine.broker,
        ledger=engine.ledger,
        limits=job.settings.risk,
        clock=job.clock,
        alerts=engine.alerts,
        locks=thread_locks_from_settings(job.settings),
    ).run_once()
    HeartbeatStore(engine.ledger.store).beat(
        MONITOR_HEARTBEAT, job.clock.now(), owner=job.owner, detail={"exits": len(report.exits)}
    )
    return f"monitor pass: {len(report.exits)} exit(s), loss level {report.loss.level.value}"


async def run_monitor(job: JobContext) -> str:
    return await asyncio.to_thread(_monitor_pass, job)


async def run_health_check(job: JobContext) -> str:
    engine = job.operator
    now = job.clock.now()
    problems = preflight_problems(
        job.settings,
        broker=engine.broker,
        ledger=engine.ledger,
        market_data=None,
        now=now,
        owner=job.owner,
    )
    positions_open = bool(engine.broker.portfolio().positions) if not problems else True
    if check_monitor_heartbeat(
        engine.ledger,
        now=now,
        max_age_seconds=job.settings.risk.monitor_heartbeat_max_age_seconds,
        positions_open=positions_open,
        alerts=engine.alerts,
    ):
        problems.append("position monitor heartbeat stale")
    if problems:
        engine.alerts.send(
            Alert(
                severity=EventSeverity.ERROR,
                title="pre-market health check failed",
                message="; ".join(problems),
                at=now,
                key=f"health-check:{now.date()}",
                source="scheduler",
            )
        )
        return "health check: " + "; ".join(problems)
    return "health check: ok"


async def run_reconcile(job: JobContext) -> str:
    from graph.monitor.reconcile import reconcile

    engine = job.operator
    report = await asyncio.to_thread(
        reconcile, broker=engine.broker, ledger=engine.ledger, clock=job.clock, alerts=engine.alerts
    )
    return f"reconcile: {'clean' if report.clean else 'differences found, trading HALTED'}"


async def run_eod_report(job: JobContext) -> str:
    """Equity, P/L and exposure at the close, sent through the alert sinks."""
    from graph.risk.memory import session_date

    engine = job.operator
    portfolio = engine.broker.portfolio()
    unrealized = sum(
        (
            (p.market_price - p.avg_entry_price) * p.qty
            for p in portfolio.positions.values()
            if p.market_price is not None
        ),
        start=Decimal(0),
    )
    baseline = engine.ledger.risk_baseline(session_date(job.slot_at))
    day_pnl = portfolio.equity - baseline.start_equity if baseline is not None else None
    note = (
        f"end of day {job.slot_at.date()}: equity {portfolio.equity}, cash {portfolio.cash}, "
        f"day P/L {day_pnl if day_pnl is not None else 'unknown (no session baseline)'}, "
        f"unrealized P/L {unrealized}, gross exposure {portfolio.gross_exposure}, "
        f"net exposure {portfolio.net_exposure}, open positions {len(portfolio.positions)}; "
        + _hit_rates(job, portfolio)
    )
    engine.alerts.send(
        Alert(
            severity=EventSeverity.INFO,
            title="end-of-day report",
            message=note,
            at=job.clock.now(),
            key=f"eod-report:{job.slot_at.date()}",
            source="scheduler",
        )
    )
    return note


HIT_RATE_LOOKBACK_DAYS = 30
"""How far back the report scores the analysts' verdicts."""


def _hit_rates(job: JobContext, portfolio: PortfolioSnapshot) -> str:
    from graph.schedule.analyst_scores import analyst_hit_rates, describe_hit_rates
    from tools.brokers.base import QuoteSource

    broker = job.operator.broker

    def price_now(symbol: str) -> Decimal | None:
        if isinstance(broker, QuoteSource) and (quote := broker.latest_quote(symbol)):
            return Decimal(str(round(quote.mid, 4)))
        held = portfolio.positions.get(symbol)
        return held.market_price if held is not None else None

    since = job.clock.now() - timedelta(days=HIT_RATE_LOOKBACK_DAYS)
    rates = analyst_hit_rates(job.operator.ledger, price_now, since=since)
    return describe_hit_rates(rates, since)


async def run_retention(job: JobContext) -> str:
    from graph.retention import prune_job

    report = await asyncio.to_thread(prune_job, job.settings, job.clock)
    return f"retention: {report}"[:500]
