"""The real trading cycle on every checkpoint backend, with the ledger on SQLite or Postgres.

Runs graph.runner's supervised cycle (every domain type the graph checkpoints goes through the
strict serializer), then two approvers race, each with its own checkpointer connection and lock
client as two API replicas would: exactly one runs ``execute`` and each approved order reaches the
broker once.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from config.settings import Settings, load_settings
from domain import ApprovalVerdict
from graph.assembly import build_context
from graph.checkpoints.factory import aopen_checkpointer, setup_checkpointer
from graph.modes import WorkflowMode
from graph.runner import CycleStatus, ThreadNotFoundError, aapprove, arun_cycle
from tests.fixtures.servers import fresh_database
from tools.persistence.migrate import upgrade

AS_OF = datetime(2025, 3, 11, 15, 0, tzinfo=UTC)  # a session with an approved entry (graph tests)
TICKERS = ["AAPL", "MSFT", "NVDA", "AMZN", "META", "TSLA", "GOOGL", "JPM"]


@pytest.fixture(params=["sqlite", "postgres", "redis"])
def settings(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    monkeypatch.chdir(tmp_path)
    for name in ("TRADING_SESSION_MODE", "WORKFLOW_MODE", "DATA_PROVIDERS", "LLM_PROVIDER"):
        monkeypatch.delenv(name, raising=False)
    if request.param == "sqlite":
        return load_settings(hedgegraph_home=tmp_path / "home")
    server = request.getfixturevalue("postgres_url")
    database = fresh_database(server, "cycle")
    upgrade(database)
    if request.param == "postgres":
        checkpoints = fresh_database(server, "cyclecp")
        setup_checkpointer(checkpoints)
    else:
        checkpoints = request.getfixturevalue("redis_url")
    return load_settings(
        hedgegraph_home=tmp_path / "home",
        database_url=database,
        checkpoint_url=checkpoints,
        redis_url=request.getfixturevalue("redis_url"),
    )


async def test_supervised_cycle_and_racing_approvals_execute_once(settings: Settings) -> None:
    from tools.clock import FixedClock

    context = build_context(settings, clock=FixedClock(AS_OF))
    url = settings.effective_checkpoint_url
    async with aopen_checkpointer(url) as saver:
        waiting = await arun_cycle(
            context,
            saver,
            thread_id="t-race",
            tickers=TICKERS,
            mode=WorkflowMode.SIGNAL,
            session_mode="supervised",
        )
    assert waiting.status is CycleStatus.AWAITING_APPROVAL
    assert waiting.pending_approval, "precondition: the synthetic market proposes an entry"

    executions: list[str] = []
    start = asyncio.Event()

    async def approver() -> object:
        # Each approver builds its own context (its own lock client, broker and ledger handles),
        # as a second API replica would; aapprove takes the thread lock itself.
        own_context = build_context(settings, clock=FixedClock(AS_OF))
        async with aopen_checkpointer(url) as own_saver:
            await start.wait()
            try:
                return await aapprove(
                    own_context,
                    own_saver,
                    thread_id="t-race",
                    verdict=ApprovalVerdict(approved=True, approver="ops"),
                    on_progress=lambda node, _u: (
                        executions.append(node) if node == "execute" else None
                    ),
                )
            except ThreadNotFoundError as exc:
                return exc

    racing = [asyncio.create_task(approver()) for _ in range(2)]
    await asyncio.sleep(0.3)
    start.set()
    outcomes = await asyncio.gather(*racing)

    assert executions == ["execute"]
    assert sum(isinstance(o, ThreadNotFoundError) for o in outcomes) == 1
    [done] = [o for o in outcomes if not isinstance(o, ThreadNotFoundError)]
    assert done.status is CycleStatus.COMPLETED  # type: ignore[attr-defined]
    approved_ids = {v.intent.client_order_id for v in waiting.pending_approval}
    assert {o.client_order_id for o in done.orders} == approved_ids  # type: ignore[attr-defined]
    for client_order_id in approved_ids:
        assert context.broker.get_order_by_client_id(client_order_id) is not None
    ledger_orders = context.ledger.orders_for_thread("t-race")
    assert {o.client_order_id for o in ledger_orders} == approved_ids
    context.ledger.close()  # type: ignore[attr-defined]
