"""The analysts' Send tasks carry their tickers and references, never a copy of the market."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from domain import MarketSnapshot, RunRequest
from graph.checkpoints.serde import checkpoint_serializer, redis_checkpoint_serializer
from graph.nodes.analysts import fan_out_analysts
from graph.state import CycleState
from tools.market_data.offline import OfflineMarketData
from tools.market_data.snapshot import build_snapshot
from tools.market_data.snapshot_store import FileSnapshotStore

AS_OF = datetime(2025, 3, 11, 15, 0, tzinfo=UTC)
TICKERS = ["AAPL", "MSFT", "NVDA"]


def _state(tmp_path: Path) -> CycleState:
    market = build_snapshot(OfflineMarketData(), TICKERS, as_of=AS_OF)
    request = RunRequest(
        thread_id="t",
        tickers=tuple(TICKERS),
        mode="signal",
        session_mode="autonomous",
        analysts=("all",),
    )
    return {
        "request": request,
        "market_ref": FileSnapshotStore(tmp_path).put(market),
        "candidates": TICKERS,
        "signals": [],
        "research": {},
    }


def test_each_task_is_small_and_holds_no_snapshot(tmp_path: Path) -> None:
    sends = fan_out_analysts(_state(tmp_path))
    assert len(sends) == 17  # the whole roster
    serde = checkpoint_serializer()
    for send in sends:
        assert not any(isinstance(v, MarketSnapshot) for v in send.arg.values())
        assert send.arg["tickers"] == TICKERS and send.arg["as_of"] == AS_OF
        _, payload = serde.dumps_typed(send.arg)
        assert len(payload) < 2_000, "a task's checkpointed input must not carry market data"


def test_a_reference_read_back_from_a_json_saver_still_fans_out(tmp_path: Path) -> None:
    state = _state(tmp_path)
    serde = redis_checkpoint_serializer()
    ref = serde.loads_typed(serde.dumps_typed({"ref": state["market_ref"]}))["ref"]
    assert ref == state["market_ref"]
    sends = fan_out_analysts({**state, "market_ref": ref})
    assert all(send.arg["as_of"] == AS_OF for send in sends)
