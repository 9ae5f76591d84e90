"""A cycle killed after its analysts resumes, in another process, on the snapshot it started with.

The worker process runs a real cycle on the embedded stack and SIGKILLs itself once the analysts'
step is checkpointed. By the time it resumes, the clock has moved on and the provider serves newer
bars; the resumed portfolio manager, gate and audit must still see the original snapshot (the one
the analysts judged), read back from the durable store by its content hash.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from domain import MarketSnapshot
from graph.builder import build_graph
from graph.checkpoints.factory import aopen_checkpointer
from graph.nodes.record import inputs_digest
from tests.integration.market_data.cycle_worker import TICKERS, run, worker_settings
from tools.market_data.offline import OfflineMarketData
from tools.market_data.snapshot import build_snapshot
from tools.market_data.snapshot_store import SnapshotMissingError, snapshot_ref_for
from tools.persistence.sql_ledger import SqlLedger

pytestmark = pytest.mark.integration

STARTED_AT = datetime(2025, 3, 11, 15, 0, tzinfo=UTC)
RESUMED_AT = STARTED_AT + timedelta(days=14)
REPO_ROOT = Path(__file__).resolve().parents[3]
_SCRUBBED = ("APCA_", "OPENAI_", "FINANCIAL_DATASETS_", "HEDGEGRAPH_", "RISK__", "THRESHOLDS__")


@dataclass(frozen=True)
class KilledThread:
    home: Path
    thread_id: str


def _thread_bytes(checkpoints: Path, thread_id: str) -> int:
    with sqlite3.connect(checkpoints) as conn:
        (saved,) = conn.execute(
            "select coalesce(sum(length(checkpoint) + length(metadata)), 0) from checkpoints"
            " where thread_id = ?",
            (thread_id,),
        ).fetchone()
        (written,) = conn.execute(
            "select coalesce(sum(length(value)), 0) from writes where thread_id = ?", (thread_id,)
        ).fetchone()
    return int(saved) + int(written)


def _snapshot_at(as_of: datetime) -> MarketSnapshot:
    offline = worker_settings(Path("unused")).offline
    provider = OfflineMarketData(seed=offline.seed, history_days=offline.history_days)
    return build_snapshot(provider, sorted(TICKERS), as_of=as_of)


@pytest.fixture
def killed_thread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> KilledThread:
    monkeypatch.chdir(tmp_path)
    home, thread_id = tmp_path / "home", "resume-after-analysts"
    env = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUBBED)}
    env["HEDGEGRAPH_FAILPOINTS"] = "before_portfolio_manager"
    worker = [sys.executable, "-m", "tests.integration.market_data.cycle_worker"]
    done = subprocess.run(
        [*worker, str(home), thread_id, STARTED_AT.isoformat()],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr[-3000:]
    return KilledThread(home, thread_id)


async def test_a_killed_thread_resumes_on_the_snapshot_it_started_with(
    killed_thread: KilledThread,
) -> None:
    original, newer = _snapshot_at(STARTED_AT), _snapshot_at(RESUMED_AT)
    assert any(original.tickers[t].last_close != newer.tickers[t].last_close for t in TICKERS), (
        "precondition: the provider has newer data at resume time"
    )

    result = await run(killed_thread.home, killed_thread.thread_id, RESUMED_AT)

    assert result.decisions, "precondition: the synthetic market yields candidates"
    assert result.analyst_verdicts
    ledger = SqlLedger.from_url(worker_settings(killed_thread.home).effective_database_url)
    audit = {row.ticker: row for row in ledger.decisions_for_thread(killed_thread.thread_id)}
    assert set(audit) == {d.ticker for d in result.decisions}
    settings = worker_settings(killed_thread.home)
    async with aopen_checkpointer(settings.effective_checkpoint_url) as saver:
        graph = build_graph("signal").compile(checkpointer=saver)
        values = (
            await graph.aget_state({"configurable": {"thread_id": killed_thread.thread_id}})
        ).values
    portfolio, ref = values["portfolio"], values["market_ref"]
    assert ref["content_hash"] == snapshot_ref_for(original)["content_hash"]
    assert ref["as_of"] == STARTED_AT.isoformat()
    for ticker, row in audit.items():
        assert row.inputs_digest == inputs_digest(ticker, original, portfolio), ticker
    assert any(row.inputs_digest != inputs_digest(t, newer, portfolio) for t, row in audit.items())
    for verdict in result.verdicts:  # the gate priced every order on the original closes
        close = original.tickers[verdict.intent.ticker].last_close
        assert close is not None
        assert verdict.intent.reference_price == Decimal(str(round(close, 4)))

    checkpoints = killed_thread.home / "checkpoints.sqlite"
    assert _thread_bytes(checkpoints, killed_thread.thread_id) < 250_000, (
        "the snapshot must live in the store, not in every checkpoint"
    )


async def test_a_lost_snapshot_stops_the_resume_instead_of_deciding_on_other_data(
    killed_thread: KilledThread,
) -> None:
    shutil.rmtree(killed_thread.home / "snapshots")
    with pytest.raises(SnapshotMissingError):
        await run(killed_thread.home, killed_thread.thread_id, RESUMED_AT)
    ledger = SqlLedger.from_url(worker_settings(killed_thread.home).effective_database_url)
    assert ledger.decisions_for_thread(killed_thread.thread_id) == []
