"""A real embedded stack per test: offline market, SQLite paper broker, ledger and checkpoints."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from config.settings import Settings, load_settings
from graph.assembly import build_context
from graph.checkpoints.factory import aopen_checkpointer
from graph.context import TradingContext
from tools.clock import FixedClock

AS_OF = datetime(2025, 3, 11, 15, 0, tzinfo=UTC)  # a session with an approved entry


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.chdir(tmp_path)
    for name in (
        "TRADING_SESSION_MODE",
        "WORKFLOW_MODE",
        "DATA_PROVIDERS",
        "LLM_PROVIDER",
        "BROKER",
    ):
        monkeypatch.delenv(name, raising=False)
    return load_settings(hedgegraph_home=tmp_path / "home")


@pytest.fixture
def context(settings: Settings) -> TradingContext:
    return build_context(settings, clock=FixedClock(AS_OF))


@pytest.fixture
async def saver(settings: Settings) -> AsyncIterator[Any]:
    async with aopen_checkpointer(settings.effective_checkpoint_url) as checkpointer:
        yield checkpointer
