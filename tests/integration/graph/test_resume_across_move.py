"""A thread checkpointed before the domain model moved to ``domain/`` resumes after the move.

The fixture is a whole embedded home (checkpoints, ledger, paper broker) written by the commit
named in ``premove_supervised_home.commit``: a supervised AAPL cycle stopped at its approval. Its
checkpoints name the old module paths (``graph.domain.orders`` and so on).
"""

from __future__ import annotations

import sqlite3
import tarfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from config.settings import load_settings
from domain import ApprovalVerdict, GateVerdict, OrderIntent, RunRequest
from graph.assembly import build_context
from graph.checkpoints.factory import aopen_checkpointer
from graph.runner import CycleStatus, aapprove
from tools.clock import FixedClock

FIXTURE = Path(__file__).parents[2] / "fixtures" / "checkpoints"
THREAD = "premove-1"
AS_OF = datetime(2025, 9, 15, 15, 0, tzinfo=UTC)


@pytest.fixture
def premove_home(tmp_path: Path) -> Path:
    with tarfile.open(FIXTURE / "premove_supervised_home.tar.gz") as archive:
        archive.extractall(tmp_path, filter="data")
    return tmp_path / "home"


def test_fixture_names_the_old_module_paths(premove_home: Path) -> None:
    """Precondition: the fixture really was written with the old paths."""
    with sqlite3.connect(premove_home / "checkpoints.sqlite") as db:
        blobs = [row[0] for row in db.execute("SELECT checkpoint FROM checkpoints")]
        blobs += [row[0] for row in db.execute("SELECT value FROM writes")]
    assert any(b"graph.domain.orders" in bytes(b) for b in blobs if b)


async def test_old_checkpoint_revives_typed_and_resumes(
    premove_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(premove_home.parent)
    settings = load_settings(hedgegraph_home=premove_home)
    context = build_context(settings, clock=FixedClock(AS_OF))
    async with aopen_checkpointer(settings.effective_checkpoint_url) as saver:
        saved: Any = await saver.aget_tuple({"configurable": {"thread_id": THREAD}})
        assert saved is not None
        values = saved.checkpoint["channel_values"]
        assert isinstance(values["request"], RunRequest)
        verdicts = values["gate_verdicts"]
        assert verdicts and all(isinstance(v, GateVerdict) for v in verdicts)
        assert isinstance(verdicts[0].intent, OrderIntent)

        result = await aapprove(
            context,
            saver,
            thread_id=THREAD,
            verdict=ApprovalVerdict(approved=True, approver="test"),
        )
    assert result.status is CycleStatus.COMPLETED
    placed = {o.client_order_id for o in result.orders}
    approved = {v.intent.client_order_id for v in result.verdicts if v.executable}
    assert approved and placed == approved
