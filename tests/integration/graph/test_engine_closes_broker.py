"""The engine closes the broker it built: no file or socket outlives ``TradingEngine.open``.

Why it matters: the API server and the scheduler open an engine per request or per cycle; a
broker that keeps its SQLite file or its kept-alive HTTP connections open leaks one of each per
engine until the process runs out of descriptors. Observed from the outside: the process's open
files (``/proc/self/fd``) and the kernel's TCP table (``/proc/net/tcp``), real paper broker and
real alpaca-py client against the project's fake Alpaca server.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from config.settings import load_settings
from graph.engine import EnginePurpose, TradingEngine
from tests.fakes.alpaca_trading_server import FakeAlpaca, serve_fake_alpaca
from tools.brokers.alpaca import AlpacaBroker
from tools.brokers.base import ClosableBroker
from tools.brokers.paper import PaperBroker
from tools.clock import FixedClock

pytestmark = pytest.mark.integration

AS_OF = datetime(2025, 3, 11, 15, 0, tzinfo=UTC)
_AMBIENT = ("BROKER", "DATABASE_URL", "CHECKPOINT_URL", "REDIS_URL", "DATA_PROVIDERS")
_ESTABLISHED = "01"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in _AMBIENT:
        monkeypatch.delenv(name, raising=False)
    return tmp_path / "home"


def _open_files(path: Path) -> int:
    """How many of this process's descriptors point at ``path``."""
    name = str(path.resolve())
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue  # closed between listing and reading
        count += target == name
    return count


def _client_connections(port: int) -> int:
    """ESTABLISHED IPv4 TCP connections whose remote end is ``port`` on this machine."""
    with open("/proc/net/tcp", encoding="ascii") as table:
        rows = [line.split() for line in table.readlines()[1:]]
    return sum(int(row[2].split(":")[1], 16) == port and row[3] == _ESTABLISHED for row in rows)


def _eventually_zero(read: Callable[[], int]) -> int:
    """``read()`` once it reaches 0 (the kernel updates its table promptly), else its last value."""
    deadline = time.monotonic() + 3
    while (value := read()) != 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    return value


@pytest.mark.parametrize("purpose", [EnginePurpose.OPERATOR, EnginePurpose.TEST])
async def test_the_paper_brokers_file_is_closed_with_the_engine(
    home: Path, purpose: EnginePurpose
) -> None:
    settings = load_settings(hedgegraph_home=home)
    async with TradingEngine.open(settings, purpose=purpose, clock=FixedClock(AS_OF)) as engine:
        assert isinstance(engine.broker, PaperBroker)
        engine.broker.portfolio()
        assert _open_files(home / "paper_broker.sqlite") >= 1  # the pool keeps its connection
    assert _open_files(home / "paper_broker.sqlite") == 0


def test_closing_a_paper_broker_twice_is_harmless(home: Path) -> None:
    home.mkdir(parents=True)
    broker = PaperBroker(
        database_url=f"sqlite:///{home / 'paper_broker.sqlite'}",
        starting_cash=Decimal(1000),
        slippage_bps=0,
        price_source=lambda _ticker: Decimal(1),
        clock=FixedClock(AS_OF),
    )
    assert isinstance(broker, ClosableBroker)
    broker.portfolio()
    broker.close()
    broker.close()
    assert _open_files(home / "paper_broker.sqlite") == 0


@pytest.fixture
def fake_alpaca_url() -> Iterator[str]:
    with serve_fake_alpaca(FakeAlpaca(prices={"AAPL": Decimal("100")})) as url:
        yield url


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_the_alpaca_clients_connections_are_closed_with_the_engine(
    home: Path, fake_alpaca_url: str
) -> None:
    port = int(fake_alpaca_url.rsplit(":", 1)[1])
    settings = load_settings(
        hedgegraph_home=home,
        broker="alpaca",
        apca_api_key_id="test-key",
        apca_api_secret_key="test-secret",
        apca_api_base_url=fake_alpaca_url,
        apca_api_data_url=f"http://127.0.0.1:{_free_port()}",
    )
    async with TradingEngine.open(settings, purpose=EnginePurpose.OPERATOR) as engine:
        assert isinstance(engine.broker, AlpacaBroker)
        engine.broker.portfolio()
        assert _client_connections(port) >= 1  # requests keeps the connection alive
    assert _eventually_zero(lambda: _client_connections(port)) == 0
