"""The scheduled trading cycle: market open, gating, one graph thread per slot, a summary alert.

Why analysis only through the approval step: when a cycle may not submit (AUTO_TRADING_ENABLED
off, account not ACTIVE, a pre-flight check failed) it still runs strategies, research, analysts,
the PM and the gate, stops at the approval interrupt, and the scheduler answers it with a
rejection that carries the reasons. Nothing reaches ``execute``; the verdicts and the reasons
are recorded on the thread like any other human rejection, and the one execution road is
untouched. An autonomous scheduler never approves anything itself.
"""

from __future__ import annotations

import logging

from domain import ApprovalVerdict, EventSeverity
from graph.cycle_result import CycleResult, CycleStatus
from graph.engine import TradingEngine
from graph.runner import aapprove, arun_cycle
from graph.schedule.context import JobContext
from graph.schedule.gating import TradingPermission, trading_permission
from graph.schedule.jobs import slot_thread_id
from tools.alerts.model import Alert

__all__ = ["run_trading_cycle"]

log = logging.getLogger(__name__)


async def run_trading_cycle(job: JobContext) -> str:
    answer = job.session.open_at(job.slot_at, ask_broker=job.live_clock)
    if not answer.is_open:
        return f"skipped: market closed at {job.slot_at.isoformat()} ({answer.source})"
    thread_id = slot_thread_id(job.job, job.slot_at)
    async with TradingEngine.open(job.settings, purpose="cycle", clock=job.clock) as engine:
        permission = trading_permission(
            job.settings,
            broker=engine.broker,
            ledger=engine.ledger,
            market_data=engine.context.market_data,
            now=job.clock.now(),
            owner=job.owner,
        )
        session_mode = None if permission.may_submit else "supervised"
        result = await arun_cycle(
            engine,
            thread_id=thread_id,
            session_mode=await _new_thread_mode(engine, thread_id, session_mode),
            trigger="scheduler",
        )
        if result.status is CycleStatus.AWAITING_APPROVAL:
            result = await _answer_approval(job, engine, result, permission)
        note = _summary(result, permission)
        _send_summary(job, result, note)
        return note


async def _new_thread_mode(engine: TradingEngine, thread_id: str, wanted: str | None) -> str | None:
    """A resumed slot keeps the session mode it started with (the runner refuses another)."""
    saved = await engine.checkpointer.aget_tuple({"configurable": {"thread_id": thread_id}})
    return None if saved is not None else wanted


async def _answer_approval(
    job: JobContext, engine: TradingEngine, result: CycleResult, permission: TradingPermission
) -> CycleResult:
    supervised = job.settings.trading_session_mode == "supervised"
    if permission.may_submit and supervised:
        engine.alerts.send(
            Alert(
                severity=EventSeverity.WARNING,
                title="scheduled cycle awaits approval",
                message=f"thread {result.thread_id}: {len(result.pending_approval)} order(s) "
                f"wait for a human verdict (hedgegraph approve --thread {result.thread_id})",
                at=job.clock.now(),
                key=f"awaiting-approval:{result.thread_id}",
                source="scheduler",
                thread_id=result.thread_id,
            )
        )
        return result
    why = permission.reasons or ["the autonomous scheduler never approves on a human's behalf"]
    verdict = ApprovalVerdict(
        approved=False, approver="scheduler", note="analysis only: " + "; ".join(why)
    )
    return await aapprove(engine, thread_id=result.thread_id, verdict=verdict, trigger="scheduler")


def _summary(result: CycleResult, permission: TradingPermission) -> str:
    vetoes = [
        f"{v.intent.ticker}: {', '.join(r.code.value for r in v.reasons)}"
        for v in result.verdicts
        if not v.executable
    ]
    head = (
        "traded"
        if permission.may_submit
        else "analysis only (" + "; ".join(permission.reasons) + ")"
    )
    return (
        f"{head}; thread {result.thread_id} {result.status.value}; "
        f"{len(result.orders)} order(s); vetoes: {', '.join(vetoes) or 'none'}"
    )


def _send_summary(job: JobContext, result: CycleResult, note: str) -> None:
    job.operator.alerts.send(
        Alert(
            severity=EventSeverity.INFO,
            title="scheduled cycle summary",
            message=note,
            at=job.clock.now(),
            key=f"cycle-summary:{result.thread_id}",
            source="scheduler",
            thread_id=result.thread_id,
        )
    )
