"""Local HTTP fakes for the market-data integration tests (real clients, real wire format)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.financialdatasets_server import FinancialDatasetsFake, serve_app
from tools.market_data.financialdatasets import FinancialDatasetsClient


@pytest.fixture(scope="module")
def fd_server(shared_data: Path) -> Iterator[tuple[FinancialDatasetsFake, str]]:
    fake = FinancialDatasetsFake(shared_data / "financialdatasets")
    with serve_app(fake.app()) as url:
        yield fake, url


@pytest.fixture
def fd_fake(fd_server: tuple[FinancialDatasetsFake, str]) -> Iterator[FinancialDatasetsFake]:
    fake, _ = fd_server
    fake.faults.clear()
    fake.log.clear()
    fake.page_size = None
    fake.ignore_filters = False
    yield fake
    fake.faults.clear()
    fake.ignore_filters = False


class SleepRecorder:
    """Records each pause the client asks for, and really pauses (so the server sees it)."""

    def __init__(self) -> None:
        self.pauses: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.pauses.append(seconds)
        time.sleep(seconds)


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def fd_client(
    fd_server: tuple[FinancialDatasetsFake, str],
    fd_fake: FinancialDatasetsFake,
    sleeps: SleepRecorder,
) -> Iterator[FinancialDatasetsClient]:
    _, url = fd_server
    client = FinancialDatasetsClient(
        base_url=url,
        api_key=fd_fake.api_key,
        timeout=2.0,
        max_attempts=3,
        max_wait=5.0,
        sleep=sleeps,
    )
    yield client
    client.close()
