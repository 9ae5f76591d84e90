"""The execute node on a real cycle's state: what it sends, what it audits, what it reports.

Why call the node by itself: in a whole cycle ``record`` writes the decision audit again after
``execute``, so what ``execute`` itself recorded with each order (the decision, the analyst
verdicts of its ticker, the model, the prompt hash, the digest of what the decision saw) could be
wrong and no cycle test would see it. Here the state is a real supervised cycle's, stopped at
approval (everything before the gate ran for real), and the node runs on it once.
"""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from domain import EventSeverity, TradeAction
from graph.builder import build_graph
from graph.context import TradingContext
from graph.modes import WorkflowMode
from graph.nodes.execute import execute
from graph.nodes.market_access import market_of
from graph.nodes.record import inputs_digest
from graph.runner import CycleStatus, arun_cycle
from tools.brokers.base import BrokerError

TICKERS = ["AAPL", "MSFT", "NVDA", "AMZN", "META", "TSLA", "GOOGL", "JPM"]


async def _waiting_state(context: TradingContext, saver: Any, thread_id: str) -> dict[str, Any]:
    waiting = await arun_cycle(
        context,
        saver,
        thread_id=thread_id,
        tickers=TICKERS,
        mode=WorkflowMode.SIGNAL,
        session_mode="supervised",
    )
    assert waiting.status is CycleStatus.AWAITING_APPROVAL
    graph = build_graph(WorkflowMode.SIGNAL).compile(checkpointer=saver)
    snapshot = await graph.aget_state({"configurable": {"thread_id": thread_id}})
    state = dict(snapshot.values)
    assert any(v.executable for v in state["gate_verdicts"]), "precondition: an approved entry"
    return state


async def test_each_order_is_audited_with_its_own_decision_and_inputs(context, saver) -> None:  # type: ignore[no-untyped-def]
    state = await _waiting_state(context, saver, "t-exec")
    update = execute(state, Runtime(context=context))  # type: ignore[arg-type]
    approved = [v for v in state["gate_verdicts"] if v.executable]
    assert {o.client_order_id for o in update["orders"]} == {
        v.intent.client_order_id for v in approved
    }
    assert update["events"] == []
    rows = {r.decision_id: r for r in context.ledger.decisions_for_thread("t-exec")}
    market = market_of(state, context)
    for verdict in approved:
        intent = verdict.intent
        row = rows[intent.decision_id]
        decision = next(d for d in state["decisions"] if d.decision_id == intent.decision_id)
        assert (row.ticker, row.action, row.quantity) == (
            decision.ticker,
            decision.action,
            decision.quantity,
        )
        assert row.confidence == decision.confidence
        assert row.inputs_digest == inputs_digest(intent.ticker, market, state.get("portfolio"))
        assert row.model == "rules" and row.prompt_hash is None  # the rules-only default
        mine = [v for v in state["analyst_verdicts"] if v.ticker == intent.ticker]
        assert mine and len(row.analyst_verdicts) == len(mine)
        assert {v["analyst"] for v in row.analyst_verdicts} == {v.analyst for v in mine}
        assert all(v["ticker"] == intent.ticker for v in row.analyst_verdicts)
        assert row.order_client_ids == (intent.client_order_id,)
    fresh = {v.intent.client_order_id: v for v in update["gate_verdicts"]}
    assert set(fresh) == {v.intent.client_order_id for v in state["gate_verdicts"]}


async def test_an_intent_without_its_decision_is_still_audited_whole(context, saver) -> None:  # type: ignore[no-untyped-def]
    state = await _waiting_state(context, saver, "t-orphan")
    state["decisions"] = []  # the decision list lost: the audit falls back to the intent's own
    execute(state, Runtime(context=context))  # type: ignore[arg-type]
    rows = {r.decision_id: r for r in context.ledger.decisions_for_thread("t-orphan")}
    for verdict in (v for v in state["gate_verdicts"] if v.executable):
        row = rows[verdict.intent.decision_id]
        expected = TradeAction.BUY if verdict.intent.side.value == "buy" else TradeAction.SELL
        assert (row.ticker, row.action) == (verdict.intent.ticker, expected)
        assert row.quantity == verdict.intent.qty and row.confidence == 0.0


async def test_a_road_that_cannot_open_places_nothing_and_says_why(  # type: ignore[no-untyped-def]
    context, saver, monkeypatch
) -> None:
    state = await _waiting_state(context, saver, "t-down")

    def down(*_a: Any, **_k: Any) -> Any:
        raise BrokerError("account endpoint unreachable")

    monkeypatch.setattr(type(context.broker), "portfolio", down)
    sent: list[Any] = []
    monkeypatch.setattr(type(context.broker), "submit_order", lambda *a, **k: sent.append(a))
    update = execute(state, Runtime(context=context))  # type: ignore[arg-type]
    assert sent == []
    assert update["orders"] == []
    events = update["events"]
    assert len(events) >= 1
    assert all(e.node == "execute" for e in events)
    assert any(e.severity in (EventSeverity.ERROR, EventSeverity.WARNING) for e in events)
    assert any("unreachable" in e.message for e in events)


async def test_a_held_account_lock_places_nothing_reports_and_alerts(  # type: ignore[no-untyped-def]
    context, saver, caplog
) -> None:
    from graph.execution.account_lock import account_lock

    state = await _waiting_state(context, saver, "t-locked")
    context.thread_locks.wait_seconds = 0.2
    orders_before = len(context.broker.all_orders())
    with account_lock(context.thread_locks, context.broker.name), caplog.at_level("WARNING"):
        update = execute(state, Runtime(context=context))  # type: ignore[arg-type]
    assert update["orders"] == [] and len(context.broker.all_orders()) == orders_before
    assert "gate_verdicts" not in update  # nothing was re-gated: the earlier verdicts stand
    (only,) = update["events"]
    assert only.node == "execute" and only.severity is EventSeverity.ERROR
    assert only.message.startswith("orders not placed: ")
    assert "locked" in only.message
    alerts = [r.getMessage() for r in caplog.records if r.name == "graph.execution.road"]
    assert any(m.startswith("order not placed: orders not placed: ") for m in alerts)
