"""One trading cycle through the real embedded stack: orders, approvals, resumes, modes."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import pytest

from domain import (
    ApprovalVerdict,
    Direction,
    MarketSnapshot,
    ReasonCode,
    ResearchFinding,
    StrategySignal,
    TradeAction,
    TradingStateRecord,
    TradingStatus,
)
from graph.context import TradingContext
from graph.modes import WorkflowMode
from graph.runner import CycleStatus, aapprove, arun_cycle
from mazo_bridge.service import ResearchUnavailableError

TICKERS = ["AAPL", "MSFT", "NVDA", "AMZN", "META", "TSLA", "GOOGL", "JPM"]


async def _run(context: TradingContext, saver: Any, thread: str, **kw: Any):  # type: ignore[no-untyped-def]
    visited: list[str] = []
    result = await arun_cycle(
        context,
        saver,
        thread_id=thread,
        tickers=kw.pop("tickers", TICKERS),
        mode=kw.pop("mode", WorkflowMode.FULL),
        session_mode=kw.pop("session_mode", "autonomous"),
        on_progress=lambda node, _update: visited.append(node),
    )
    return result, visited


def _broker_orders(context: TradingContext, result) -> list:  # type: ignore[no-untyped-def]
    found = [
        context.broker.get_order_by_client_id(v.intent.client_order_id) for v in result.verdicts
    ]
    return [o for o in found if o is not None]


async def test_autonomous_cycle_places_exactly_the_approved_orders(context, saver) -> None:  # type: ignore[no-untyped-def]
    result, visited = await _run(context, saver, "t-auto", mode=WorkflowMode.SIGNAL)
    assert result.status is CycleStatus.COMPLETED
    executable = [v for v in result.verdicts if v.executable]
    assert executable, (
        "precondition: the synthetic market should produce at least one approved order"
    )
    assert {o.client_order_id for o in result.orders} == {
        v.intent.client_order_id for v in executable
    }
    for verdict in executable:
        order = context.broker.get_order_by_client_id(verdict.intent.client_order_id)
        assert order is not None and order.qty == verdict.approved_qty
    assert visited[0] == "load_context" and visited[-1] == "record"
    assert visited.index("risk_gate") < visited.index("execute")


async def test_rerunning_a_finished_thread_submits_nothing(context, saver) -> None:  # type: ignore[no-untyped-def]
    first, _ = await _run(context, saver, "t-rerun", mode=WorkflowMode.SIGNAL)
    cash_before = context.broker.portfolio().cash
    again, visited = await _run(context, saver, "t-rerun", mode=WorkflowMode.SIGNAL)
    assert visited == []
    assert [o.client_order_id for o in again.orders] == [o.client_order_id for o in first.orders]
    assert context.broker.portfolio().cash == cash_before


async def test_supervised_cycle_waits_then_approval_executes(context, saver) -> None:  # type: ignore[no-untyped-def]
    waiting, visited = await _run(
        context, saver, "t-sup", session_mode="supervised", mode=WorkflowMode.SIGNAL
    )
    assert waiting.status is CycleStatus.AWAITING_APPROVAL
    assert waiting.pending_approval and not waiting.orders
    assert "execute" not in visited
    assert _broker_orders(context, waiting) == []

    done = await aapprove(context, saver, thread_id="t-sup", verdict=ApprovalVerdict(approved=True))
    assert done.status is CycleStatus.COMPLETED
    assert {o.client_order_id for o in done.orders} == {
        v.intent.client_order_id for v in waiting.pending_approval
    }


async def test_supervised_rejection_places_nothing(context, saver) -> None:  # type: ignore[no-untyped-def]
    waiting, _ = await _run(
        context, saver, "t-rej", session_mode="supervised", mode=WorkflowMode.SIGNAL
    )
    assert waiting.pending_approval
    done = await aapprove(
        context, saver, thread_id="t-rej", verdict=ApprovalVerdict(approved=False, note="not today")
    )
    assert done.status is CycleStatus.COMPLETED
    assert done.orders == []
    assert _broker_orders(context, done) == []
    assert all(v.reason_codes == (ReasonCode.HUMAN_REJECTED,) for v in done.verdicts)


async def test_halt_between_proposal_and_approval_blocks_entries(context, saver) -> None:  # type: ignore[no-untyped-def]
    waiting, _ = await _run(
        context, saver, "t-halt", session_mode="supervised", mode=WorkflowMode.SIGNAL
    )
    assert any(not v.intent.reduces_position for v in waiting.pending_approval)
    context.ledger.set_trading_state(TradingStateRecord(status=TradingStatus.HALTED, reason="test"))
    done = await aapprove(
        context, saver, thread_id="t-halt", verdict=ApprovalVerdict(approved=True)
    )
    assert not [o for o in done.orders if not _intent(done, o.client_order_id).reduces_position]


def _intent(result, client_order_id: str):  # type: ignore[no-untyped-def]
    return next(v.intent for v in result.verdicts if v.intent.client_order_id == client_order_id)


@pytest.mark.parametrize(
    ("mode", "must_visit", "must_not_visit"),
    [
        (
            WorkflowMode.SIGNAL,
            ["strategy_engine", "analyst", "portfolio_manager", "risk_gate"],
            ["research_validation"],
        ),
        (
            WorkflowMode.RESEARCH,
            ["strategy_engine", "research_validation", "record"],
            ["analyst", "portfolio_manager", "risk_gate", "execute"],
        ),
        (
            WorkflowMode.PRE_RESEARCH,
            ["research_validation", "analyst", "portfolio_manager", "risk_gate"],
            [],
        ),
        (
            WorkflowMode.POST_RESEARCH,
            ["analyst", "portfolio_manager", "research_validation", "risk_gate"],
            [],
        ),
        (
            WorkflowMode.FULL,
            ["research_validation", "analyst", "portfolio_manager", "risk_gate"],
            [],
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
async def test_each_mode_walks_its_path(context, saver, mode, must_visit, must_not_visit) -> None:  # type: ignore[no-untyped-def]
    result, visited = await _run(context, saver, f"t-mode-{mode}", mode=mode)
    assert result.status is CycleStatus.COMPLETED
    for node in must_visit:
        assert node in visited, f"{mode} did not visit {node}: {visited}"
    for node in must_not_visit:
        assert node not in visited, f"{mode} visited {node}"
    order = [n for n in visited if n in ("analyst", "research_validation", "portfolio_manager")]
    if mode is WorkflowMode.POST_RESEARCH:
        assert order.index("portfolio_manager") < order.index("research_validation")
    if mode in (WorkflowMode.FULL, WorkflowMode.PRE_RESEARCH):
        assert order.index("research_validation") < order.index("analyst")
    if mode is WorkflowMode.RESEARCH:
        assert result.research and not result.orders


class _ResearchDown:
    name = "research-down"

    def validate(
        self, ticker: str, signals: list[StrategySignal], snapshot: MarketSnapshot
    ) -> ResearchFinding:
        raise ResearchUnavailableError("research service unreachable")


@pytest.mark.parametrize(
    "mode", [WorkflowMode.FULL, WorkflowMode.PRE_RESEARCH, WorkflowMode.POST_RESEARCH], ids=str
)
async def test_research_down_fails_closed_no_entries(context, saver, mode) -> None:  # type: ignore[no-untyped-def]
    down = dataclasses.replace(context, research=_ResearchDown())
    result, _ = await _run(down, saver, f"t-down-{mode}", mode=mode)
    entries = [d for d in result.decisions if d.action in (TradeAction.BUY, TradeAction.SHORT)]
    assert entries == []
    assert not [o for o in result.orders if not _intent(result, o.client_order_id).reduces_position]
    assert any("research unavailable" in e.message for e in result.events)
    bullish = [s for s in result.signals if s.direction is Direction.BULLISH]
    assert bullish, (
        "precondition: some candidate had a bullish signal that research would have had to validate"
    )


async def test_two_racing_approvals_execute_once(settings, saver) -> None:  # type: ignore[no-untyped-def]
    """Two approvals of one interrupted thread (a double click): one executes, one is refused."""
    from graph.assembly import build_context
    from graph.runner import ThreadNotFoundError
    from tools.clock import FixedClock

    from .conftest import AS_OF

    # Two contexts, as two processes would build them: separate brokers and ledgers on the same
    # files, sharing only what processes share (the SQLite files and the file locks).
    first = build_context(settings, clock=FixedClock(AS_OF))
    second = build_context(settings, clock=FixedClock(AS_OF))
    waiting, _ = await _run(
        first, saver, "t-race", session_mode="supervised", mode=WorkflowMode.SIGNAL
    )
    assert waiting.pending_approval

    outcomes = await asyncio.gather(
        aapprove(first, saver, thread_id="t-race", verdict=ApprovalVerdict(approved=True)),
        aapprove(second, saver, thread_id="t-race", verdict=ApprovalVerdict(approved=True)),
        return_exceptions=True,
    )
    refused = [o for o in outcomes if isinstance(o, ThreadNotFoundError)]
    done = [o for o in outcomes if not isinstance(o, BaseException)]
    assert len(done) == 1 and len(refused) == 1, outcomes
    executed = {o.client_order_id for o in done[0].orders}
    assert executed == {v.intent.client_order_id for v in waiting.pending_approval}
    for verdict in waiting.pending_approval:
        order = first.broker.get_order_by_client_id(verdict.intent.client_order_id)
        assert order is not None and order.filled_qty == verdict.approved_qty
    assert first.ledger.orders_for_thread("t-race") == second.ledger.orders_for_thread("t-race")
    assert len(first.ledger.orders_for_thread("t-race")) == len(executed)
