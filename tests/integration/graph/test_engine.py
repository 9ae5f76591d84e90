"""``TradingEngine``: each purpose builds only what it needs, and start-up fails with one type.

Real parts throughout: the embedded SQLite stack, the local paper broker, the real alpaca-py client
against the project's fake Alpaca server, real subprocesses for the start-up race.
"""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from config.settings import Settings, load_settings
from domain import EventSeverity, TradingStatus
from graph.engine import (
    EnginePurpose,
    EngineStartupError,
    LedgerUnavailableError,
    StartupFailure,
    TradingEngine,
)
from graph.monitor import operator
from graph.runner import CycleStatus, arun_cycle
from tests.fakes.alpaca_trading_server import FakeAlpaca, serve_fake_alpaca
from tools.alerts.model import Alert
from tools.brokers.paper import PaperBroker
from tools.clock import FixedClock

REPO = Path(__file__).resolve().parents[3]
AS_OF = datetime(2025, 3, 11, 15, 0, tzinfo=UTC)
TICKERS = ["AAPL", "MSFT", "NVDA", "AMZN", "META", "TSLA", "GOOGL", "JPM"]
_AMBIENT = ("TRADING_SESSION_MODE", "WORKFLOW_MODE", "DATA_PROVIDERS", "LLM_PROVIDER", "BROKER",
            "DATABASE_URL", "CHECKPOINT_URL", "REDIS_URL")  # fmt: skip


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in _AMBIENT:
        monkeypatch.delenv(name, raising=False)
    return tmp_path / "home"


def _settings(home: Path, **values: Any) -> Settings:
    return load_settings(hedgegraph_home=home, **values)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def fake_alpaca() -> Iterator[tuple[FakeAlpaca, str]]:
    fake = FakeAlpaca(prices={"AAPL": Decimal("100")}, hang_seconds=0.5)
    with serve_fake_alpaca(fake) as url:
        yield fake, url


def _alpaca(home: Path, url: str, **values: Any) -> Settings:
    return _settings(
        home,
        broker="alpaca",
        apca_api_key_id="test-key",
        apca_api_secret_key="test-secret",
        apca_api_base_url=url,
        apca_api_data_url=f"http://127.0.0.1:{_free_port()}",
        **values,
    )


# -- purposes -------------------------------------------------------------------------------------


async def test_cycle_engine_runs_a_cycle_and_closes_what_it_opened(home: Path) -> None:
    settings = _settings(home)
    async with TradingEngine.open(
        settings, purpose=EnginePurpose.CYCLE, clock=FixedClock(AS_OF)
    ) as engine:
        assert engine.reconciliation is not None and engine.reconciliation.clean
        result = await arun_cycle(engine, thread_id="e-1", tickers=TICKERS, mode="signal")
        assert result.status is CycleStatus.COMPLETED and result.orders
        saver = engine.checkpointer
    with pytest.raises(sqlite3.ProgrammingError, match="closed database"):
        await saver.aget_tuple({"configurable": {"thread_id": "e-1"}})


@pytest.mark.parametrize("purpose", [EnginePurpose.CYCLE, EnginePurpose.OPERATOR])
async def test_every_alert_is_stored_with_no_sink_configured(
    home: Path, purpose: EnginePurpose
) -> None:
    async with TradingEngine.open(_settings(home), purpose=purpose) as engine:
        engine.alerts.send(
            Alert(severity=EventSeverity.ERROR, title="order not placed", message="x", at=AS_OF)
        )
        assert [a.title for a in engine.ledger.alerts.recent()] == ["order not placed"]


async def test_operator_engine_halts_whatever_the_cycle_parts_say(home: Path) -> None:
    """Issue 9.8: a corrupt LLM cache and an unknown analyst must not stop ``halt``."""
    async with TradingEngine.open(
        _settings(home), purpose=EnginePurpose.TEST, clock=FixedClock(AS_OF)
    ) as engine:
        bought = await arun_cycle(engine, thread_id="e-buy", tickers=TICKERS, mode="signal")
    assert bought.orders, "precondition: a position to flatten"
    (home / "llm_cache.sqlite").write_bytes(b"this is not a database" * 64)
    broken = _settings(
        home, analysts=["no_such_analyst"], llm_provider="ollama", ollama_host="http://127.0.0.1:9"
    )
    with pytest.raises(EngineStartupError) as refused:
        async with TradingEngine.open(broken, purpose=EnginePurpose.CYCLE, clock=FixedClock(AS_OF)):
            pass
    assert refused.value.failure in (StartupFailure.CONFIGURATION, StartupFailure.COMPONENT)

    async with TradingEngine.open(
        broken, purpose=EnginePurpose.OPERATOR, clock=FixedClock(AS_OF)
    ) as engine:
        with pytest.raises(RuntimeError, match="operator engine builds no cycle context"):
            _ = engine.context
        result = operator.halt(
            reason="test halt", broker=engine.broker, ledger=engine.ledger,
            limits=engine.settings.risk, clock=engine.clock, alerts=engine.alerts,
        )  # fmt: skip
        assert result.flat and result.status is TradingStatus.HALTED
        assert not any(p.qty for p in engine.broker.portfolio().positions.values())


async def test_operator_engine_without_a_readable_ledger_still_reaches_the_broker(
    home: Path,
) -> None:
    home.mkdir(parents=True)
    (home / "hedgegraph.sqlite").write_bytes(b"garbage, not sqlite" * 100)
    async with TradingEngine.open(_settings(home), purpose=EnginePurpose.OPERATOR) as engine:
        assert engine.ledger_problem and "ledger" in engine.ledger_problem
        with pytest.raises(LedgerUnavailableError) as unavailable:
            _ = engine.ledger
        assert unavailable.value.exit_status == 2
        assert engine.broker.portfolio().cash > 0


async def test_backtest_never_builds_a_broker_client(home: Path, fake_alpaca: Any) -> None:
    fake, url = fake_alpaca
    with pytest.raises(EngineStartupError) as refused:
        async with TradingEngine.open(_alpaca(home, url), purpose=EnginePurpose.BACKTEST):
            pass
    assert refused.value.failure is StartupFailure.PURPOSE
    assert fake.log == [], "not one request reached the broker"
    async with TradingEngine.open(
        _settings(home), purpose=EnginePurpose.BACKTEST, as_of=AS_OF
    ) as engine:
        assert isinstance(engine.broker, PaperBroker)
        assert engine.clock.now() == AS_OF


async def test_a_replay_is_refused_against_a_real_broker(home: Path, fake_alpaca: Any) -> None:
    fake, url = fake_alpaca
    with pytest.raises(EngineStartupError, match="replay") as refused:
        async with TradingEngine.open(_alpaca(home, url), purpose=EnginePurpose.CYCLE, as_of=AS_OF):
            pass
    assert refused.value.failure is StartupFailure.PURPOSE and fake.log == []


# -- start-up failures ----------------------------------------------------------------------------


def _corrupt(home: Path, name: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / name).write_bytes(b"definitely not a sqlite file " * 64)


@pytest.mark.parametrize(
    ("arrange", "values", "failures"),
    [
        (None, {"database_url": "postgresql://hg:s3cret-pw@127.0.0.1:{port}/hg"},
         {StartupFailure.DATABASE}),
        (None, {"database_url": "this is :// not a url"},
         {StartupFailure.DATABASE_URL, StartupFailure.CONFIGURATION}),
        (None, {"checkpoint_url": "ftp://example.invalid/checkpoints"},
         {StartupFailure.CHECKPOINT_URL, StartupFailure.CONFIGURATION}),
        ("hedgegraph.sqlite", {}, {StartupFailure.DATABASE}),
        ("checkpoints.sqlite", {}, {StartupFailure.CHECKPOINTS}),
        ("paper_broker.sqlite", {}, {StartupFailure.BROKER}),
        ("home-is-a-file", {}, {StartupFailure.HOME}),
    ],
    ids=["postgres-unreachable", "garbage-database-url", "garbage-checkpoint-url",
         "corrupt-ledger", "corrupt-checkpoints", "corrupt-paper-broker", "unwritable-home"],
)  # fmt: skip
async def test_each_start_up_failure_is_one_typed_error(
    home: Path, arrange: str | None, values: dict[str, str], failures: set[StartupFailure]
) -> None:
    if arrange == "home-is-a-file":
        home.parent.mkdir(parents=True, exist_ok=True)
        home.write_text("a file where the folder should be")
        target = home / "nested"
    else:
        target = home
        if arrange is not None:
            _corrupt(home, arrange)
    overrides = {k: v.format(port=_free_port()) for k, v in values.items()}
    with pytest.raises(EngineStartupError) as failed:
        async with TradingEngine.open(
            purpose=EnginePurpose.CYCLE, hedgegraph_home=target, **overrides
        ):
            pass
    assert failed.value.failure in failures, str(failed.value)
    assert failed.value.exit_status == 2
    assert "s3cret-pw" not in str(failed.value)


_RACER = """
import asyncio, sys, time
from pathlib import Path
from graph.engine import TradingEngine
go = Path(sys.argv[2])
while not go.exists():
    time.sleep(0.001)
async def main():
    async with TradingEngine.open(purpose="test", hedgegraph_home=sys.argv[1]):
        pass
asyncio.run(main())
print("started")
"""


def test_two_first_commands_racing_the_embedded_migration_both_start(tmp_path: Path) -> None:
    """Issue 9.11: without the migration lock one of them failed with 'table alerts already
    exists' in 5 of 6 tries here."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    for attempt in range(3):
        home, go = tmp_path / f"home-{attempt}", tmp_path / f"go-{attempt}"
        racers = [
            subprocess.Popen(
                [sys.executable, "-c", _RACER, str(home), str(go)],
                cwd=tmp_path,
                env=env | {"PYTHONPATH": str(REPO)},
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        time.sleep(1.5)  # both imported and waiting at the start line
        go.touch()
        for racer in racers:
            out, err = racer.communicate(timeout=120)
            assert racer.returncode == 0 and "started" in out, err[-2000:]
