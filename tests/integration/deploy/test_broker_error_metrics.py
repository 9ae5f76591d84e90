"""Broker errors by kind and alerts by severity, counted where they happen: a cycle whose entry
the broker refuses (the real alpaca-py client against the project's fake Alpaca, ``reject``)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from config.settings import packaged_settings
from graph.assembly import build_context
from graph.checkpoints.factory import aopen_checkpointer
from graph.context import TradingContext
from graph.runner import arun_cycle
from tests.fakes.alpaca_trading_server import FakeAlpaca, serve_fake_alpaca
from tests.integration.execution.stack import AS_OF, LOOSE
from tools.alerts.dispatcher import AlertDispatcher
from tools.clock import FixedClock
from tools.observability.metrics import REGISTRY

pytestmark = pytest.mark.integration


@pytest.fixture
def fake() -> FakeAlpaca:
    return FakeAlpaca(prices={"TSLA": Decimal("337.5")})


@pytest.fixture
def context(
    fake: FakeAlpaca, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TradingContext]:
    monkeypatch.chdir(tmp_path)
    with serve_fake_alpaca(fake) as url:
        settings = packaged_settings(
            hedgegraph_home=tmp_path / "home",
            broker="alpaca",
            apca_api_base_url=url,
            apca_api_data_url=url,
            apca_api_key_id="test-key",
            apca_api_secret_key="test-secret",
            data_providers=["offline"],
            llm_provider="none",
            thresholds=LOOSE,
            risk={"symbol_cooldown_seconds": 0},
        )
        clock = FixedClock(AS_OF)
        yield replace(build_context(settings, clock=clock), alerts=AlertDispatcher([], clock=clock))


def _counts(name: str, label: str) -> dict[str, float]:
    found: dict[str, float] = {}
    for family in text_string_to_metric_families(generate_latest(REGISTRY).decode()):
        for sample in family.samples:
            if sample.name == name:
                key = sample.labels[label]
                found[key] = found.get(key, 0.0) + sample.value
    return found


async def test_a_refused_entry_counts_one_broker_error_of_its_kind_and_its_alert(
    context: TradingContext, fake: FakeAlpaca
) -> None:
    errors_before = _counts("hedgegraph_broker_errors_total", "kind")
    alerts_before = _counts("hedgegraph_alerts_total", "severity")
    fake.faults.append("reject")
    async with aopen_checkpointer(context.settings.effective_checkpoint_url) as saver:
        result = await arun_cycle(
            context,
            saver,
            thread_id="refused",
            tickers=["TSLA"],
            mode="signal",
            session_mode="autonomous",
        )
    assert result.orders == [], "precondition: the broker refused the only entry"
    errors = _counts("hedgegraph_broker_errors_total", "kind")
    assert errors.get("OrderRejectedError", 0) - errors_before.get("OrderRejectedError", 0) == 1
    assert sum(errors.values()) - sum(errors_before.values()) == 1
    alerts = _counts("hedgegraph_alerts_total", "severity")
    assert alerts.get("error", 0) - alerts_before.get("error", 0) >= 1
