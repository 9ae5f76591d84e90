"""The external Mazo adapter against a stand-in executable and a local HTTP server."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from config.settings import Settings, load_settings
from domain import (
    Direction,
    MarketSnapshot,
    ResearchStance,
    StrategySignal,
    TradeAction,
)
from graph.assembly import build_context
from graph.checkpoints.factory import aopen_checkpointer
from graph.modes import WorkflowMode
from graph.runner import CycleStatus, arun_cycle
from mazo_bridge.external import ExternalResearchService
from tests.fakes.external_mazo import (
    ANSWER,
    ExternalMazoServer,
    running_external_mazo,
    write_stand_in,
)
from tools.clock import FixedClock

pytestmark = pytest.mark.integration

AS_OF = datetime(2025, 3, 11, 15, 0, tzinfo=UTC)
SNAPSHOT = MarketSnapshot(as_of=AS_OF)
LONG = [
    StrategySignal(ticker="AAPL", strategy="momentum", direction=Direction.BULLISH, confidence=0.8)
]


@pytest.fixture(scope="module")
def http_mazo() -> Iterator[ExternalMazoServer]:
    with running_external_mazo() as server:
        yield server


def settings_with(tmp_path: Path, **research: Any) -> Settings:
    return load_settings(hedgegraph_home=tmp_path / "home", research=research)


def by_command(tmp_path: Path, *args: str, timeout: float = 10) -> ExternalResearchService:
    stand_in = write_stand_in(tmp_path / "bin")
    settings = settings_with(
        tmp_path,
        backend="external",
        external_command=[str(stand_in), *args],
        timeout_seconds=timeout,
    )
    return ExternalResearchService(settings)


def test_command_success_maps_the_answer_and_keeps_its_files_in_the_home(tmp_path: Path) -> None:
    before = {p for p in tmp_path.rglob("*")}
    finding = by_command(tmp_path, "agree").validate("AAPL", LONG, SNAPSHOT)
    assert finding.stance is ResearchStance.AGREES
    assert finding.confidence == ANSWER["confidence"] and finding.sources == tuple(
        ANSWER["sources"]
    )
    workdir = tmp_path / "home" / "research" / "external"
    request = json.loads((workdir / "request.json").read_text())
    assert request["ticker"] == "AAPL" and request["thesis"] == "long"
    assert request["as_of"] == AS_OF.isoformat() and request["signals"][0]["strategy"] == "momentum"
    assert (workdir / "scratch.txt").exists()  # its TMPDIR is inside the home too
    created = {p for p in tmp_path.rglob("*")} - before
    home = tmp_path / "home"
    assert all(
        p == home or home in p.parents
        for p in created - {tmp_path / "bin", tmp_path / "bin" / "mazo-stand-in"}
    )


def test_a_bearish_answer_disagrees_with_a_long_thesis(tmp_path: Path) -> None:
    finding = by_command(tmp_path, "bearish").validate("AAPL", LONG, SNAPSHOT)
    assert finding.stance is ResearchStance.DISAGREES


@pytest.mark.parametrize(
    ("args", "timeout", "reason"),
    [
        (("sleep",), 0.5, "command gave no answer within 0.5 s"),
        (("garbage",), 10, "unusable answer"),
        (("fail",), 10, "command exited with status 3: boom: model server unreachable"),
    ],
    ids=["timeout", "garbage", "non-zero-exit"],
)
def test_command_failures_are_unavailable_with_the_reason(
    tmp_path: Path, args: tuple[str, ...], timeout: float, reason: str
) -> None:
    finding = by_command(tmp_path, *args, timeout=timeout).validate("AAPL", LONG, SNAPSHOT)
    assert finding.stance is ResearchStance.UNAVAILABLE
    assert reason in finding.reason


def test_a_missing_binary_is_unavailable(tmp_path: Path) -> None:
    settings = settings_with(
        tmp_path, backend="external", external_command=[str(tmp_path / "no-such-mazo")]
    )
    finding = ExternalResearchService(settings).validate("AAPL", LONG, SNAPSHOT)
    assert finding.stance is ResearchStance.UNAVAILABLE and "command not found" in finding.reason


def test_no_endpoint_configured_is_unavailable(tmp_path: Path) -> None:
    finding = ExternalResearchService(settings_with(tmp_path, backend="external")).validate(
        "AAPL", LONG, SNAPSHOT
    )
    assert finding.stance is ResearchStance.UNAVAILABLE and "external_url" in finding.reason


@pytest.mark.parametrize(
    ("mode", "timeout", "reason"),
    [
        ("agree", 10, None),
        ("sleep", 0.5, "within 0.5 s"),
        ("garbage", 10, "unusable answer"),
        ("error", 10, "answered 500: internal error"),
    ],
)
def test_http_endpoint(
    tmp_path: Path, http_mazo: ExternalMazoServer, mode: str, timeout: float, reason: str | None
) -> None:
    http_mazo.mode = mode
    settings = settings_with(
        tmp_path, backend="external", external_url=http_mazo.url, timeout_seconds=timeout
    )
    finding = ExternalResearchService(settings).validate("AAPL", LONG, SNAPSHOT)
    assert http_mazo.requests[-1]["ticker"] == "AAPL"
    if reason is None:
        assert finding.stance is ResearchStance.AGREES and finding.summary == ANSWER["summary"]
    else:
        assert finding.stance is ResearchStance.UNAVAILABLE and reason in finding.reason


def test_an_unreachable_endpoint_is_unavailable(tmp_path: Path) -> None:
    settings = settings_with(tmp_path, backend="external", external_url="http://127.0.0.1:9/x")
    finding = ExternalResearchService(settings).validate("AAPL", LONG, SNAPSHOT)
    assert finding.stance is ResearchStance.UNAVAILABLE and "ConnectError" in finding.reason


@pytest.fixture
async def saver(tmp_path: Path) -> AsyncIterator[Any]:
    async with aopen_checkpointer(
        load_settings(hedgegraph_home=tmp_path / "ckpt").effective_checkpoint_url
    ) as checkpointer:
        yield checkpointer


@pytest.mark.parametrize("mode", ["sleep", "garbage", "fail", "missing"])
@pytest.mark.parametrize("policy", ["fail_closed", "proceed"])
async def test_no_failure_crashes_a_trading_cycle_and_the_policy_decides(
    tmp_path: Path, saver: Any, mode: str, policy: str
) -> None:
    stand_in = write_stand_in(tmp_path / "bin")
    argv = [str(tmp_path / "gone")] if mode == "missing" else [str(stand_in), mode]
    settings = settings_with(
        tmp_path,
        backend="external",
        external_command=argv,
        timeout_seconds=0.5,
        unavailable_policy=policy,
    )
    context = dataclasses.replace(build_context(settings, clock=FixedClock(AS_OF)), llm=None)
    result = await arun_cycle(
        context,
        saver,
        thread_id=f"t-ext-{mode}-{policy}",
        tickers=["AAPL", "MSFT", "NVDA", "AMZN", "META", "TSLA", "GOOGL", "JPM"],
        mode=WorkflowMode.POST_RESEARCH,
        session_mode="autonomous",
    )
    assert result.status is CycleStatus.COMPLETED
    assert result.research, "precondition: the PM made entry decisions to research"
    assert all(f.stance is ResearchStance.UNAVAILABLE for f in result.research.values())
    entries = [
        d.ticker for d in result.decisions if d.action in (TradeAction.BUY, TradeAction.SHORT)
    ]
    if policy == "fail_closed":
        assert entries == []
    else:
        assert set(entries) == set(result.research)


def test_the_adapter_is_not_imported_at_start_up(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from config.settings import load_settings\n"
        "from graph.assembly import build_context\n"
        "import graph.builder, graph.nodes.research_validation\n"
        f"build_context(load_settings(hedgegraph_home={str(tmp_path / 'home')!r}))\n"
        "assert 'mazo_bridge.external' not in sys.modules, 'imported at start-up'\n"
        "print('ok')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[3],
        env={"PATH": "/usr/bin:/bin", "HEDGEGRAPH_ENV_FILE": ""},
        timeout=120,
        check=False,
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-500:]
