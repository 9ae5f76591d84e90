"""Randomised interleavings of cycles, monitor passes, halts and resumes on one account.

After every step, whatever the order of operations: every order at the broker is in the ledger
with a decision record linked to it; no entry is placed while HALTED or REDUCING; no position is
above its cap; the ledger's fills agree with the broker's positions. Seeded, so a failure replays.
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from domain import TradingStatus
from graph.assembly import build_context
from graph.checkpoints.factory import aopen_checkpointer
from graph.context import TradingContext
from graph.monitor import operator
from graph.monitor.monitor import PositionMonitor
from graph.runner import arun_cycle
from tests.integration.execution.stack import AS_OF, TICKERS, stack_settings
from tools.brokers.paper import PaperBroker
from tools.clock import FixedClock
from tools.persistence.sql_ledger import SqlLedger

pytestmark = pytest.mark.integration
STEPS = 14


def _books(context: TradingContext) -> tuple[PaperBroker, SqlLedger]:
    assert isinstance(context.broker, PaperBroker) and isinstance(context.ledger, SqlLedger)
    return context.broker, context.ledger


def _assert_invariants(context: TradingContext, history: list[str]) -> None:
    broker, ledger = _books(context)
    for order in broker.all_orders():
        intent = ledger.intent(order.client_order_id)
        assert intent is not None and ledger.order(order.client_order_id) is not None, history
        linked = [
            d
            for d in ledger.decisions_for_thread(intent.thread_id)
            if order.client_order_id in d.order_client_ids
        ]
        assert len(linked) == 1, (order, history)
    portfolio = broker.portfolio()
    cap = Decimal(str(context.settings.risk.max_position_pct)) * portfolio.equity
    for position in portfolio.positions.values():
        assert abs(position.qty) * position.avg_entry_price <= cap * Decimal("1.01"), history
    held = {s: p.qty for s, p in portfolio.positions.items() if p.qty != 0}
    assert ledger.net_positions() == held, history


async def _cycle(context: TradingContext, thread: str, rng: random.Random) -> list[str]:
    tickers = rng.sample(TICKERS, k=rng.randint(2, len(TICKERS)))
    async with aopen_checkpointer(context.settings.effective_checkpoint_url) as saver:
        result = await arun_cycle(
            context,
            saver,
            thread_id=thread,
            tickers=tickers,
            mode="signal",
            session_mode="autonomous",
        )
    return [o.client_order_id for o in result.orders if not _reduces(result, o.client_order_id)]


def _reduces(result, client_order_id: str) -> bool:  # type: ignore[no-untyped-def]
    return next(
        v.intent.reduces_position
        for v in result.verdicts
        if v.intent.client_order_id == client_order_id
    )


@pytest.mark.parametrize("seed", [4, 6, 8])  # each trades, halts with positions and resumes
async def test_random_interleavings_keep_the_account_invariants(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    monkeypatch.chdir(tmp_path)
    rng = random.Random(seed)
    clock = FixedClock(AS_OF)
    settings = stack_settings(tmp_path / "home", market_hours_policy="any")
    context = build_context(settings, clock=clock)
    broker, ledger = _books(context)
    history: list[str] = []
    for step in range(STEPS):
        action = rng.choice(["cycle"] * 4 + ["monitor", "halt", "resume", "resume", "reduce"])
        state = ledger.trading_state().status
        history.append(f"{step}:{action}@{state.value}")
        if action == "cycle":
            entries = await _cycle(context, f"s{seed}-{step}", rng)
            if state is not TradingStatus.ACTIVE:
                assert entries == [], history  # no entry while HALTED or REDUCING
        elif action == "monitor":
            PositionMonitor(
                broker=broker, ledger=ledger, limits=settings.risk, clock=clock
            ).run_once()
        elif action == "halt":
            result = operator.halt(
                reason="random halt",
                broker=broker,
                ledger=ledger,
                limits=settings.risk,
                clock=clock,
            )
            assert result.flat and broker.portfolio().positions == {}, history
        elif action == "resume":
            operator.resume(reason="random resume", broker=broker, ledger=ledger, clock=clock)
        else:
            operator.reduce_only(reason="random reduce", ledger=ledger, clock=clock)
        _assert_invariants(context, history)
        clock.advance(timedelta(days=rng.choice([0, 1, 1, 2])))
    assert len(broker.all_orders()) >= 10, history  # precondition: the account really traded
