"""Fault tests: each failure either recovers or raises a typed error, never silently empty data."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from tests.fakes.financialdatasets_server import Fault, FinancialDatasetsFake
from tools.clock import FixedClock
from tools.market_data.financialdatasets import (
    FinancialDatasetsAuthError,
    FinancialDatasetsClient,
    FinancialDatasetsNotFoundError,
    FinancialDatasetsRequestError,
    FinancialDatasetsResponseError,
    FinancialDatasetsUnavailableError,
)
from tools.market_data.provider import TickerNotFoundError

pytestmark = pytest.mark.integration
START, END = date(2024, 3, 1), date(2024, 3, 8)


def test_429_with_retry_after_waits_that_long_then_recovers(
    fd_client: FinancialDatasetsClient, fd_fake: FinancialDatasetsFake, sleeps: object
) -> None:
    fd_fake.fail_next(Fault(status=429, retry_after="1"))
    started = time.monotonic()
    bars = fd_client.prices("AAPL", start_date=START, end_date=END)
    assert len(bars) == 6
    assert sleeps.pauses == [1.0]  # type: ignore[attr-defined]
    assert time.monotonic() - started >= 1.0
    assert fd_fake.count("/prices") == 2


def test_retry_after_as_http_date(
    fd_server: tuple[FinancialDatasetsFake, str], fd_fake: FinancialDatasetsFake
) -> None:
    now = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    pauses: list[float] = []
    client = FinancialDatasetsClient(
        base_url=fd_server[1], api_key=fd_fake.api_key, sleep=pauses.append, clock=FixedClock(now)
    )
    fd_fake.fail_next(
        Fault(status=503, retry_after=format_datetime(now + timedelta(seconds=2), usegmt=True))
    )
    assert len(client.prices("AAPL", start_date=START, end_date=END)) == 6
    assert pauses == [2.0]


def test_retry_after_longer_than_max_wait_fails_at_once(
    fd_client: FinancialDatasetsClient, fd_fake: FinancialDatasetsFake
) -> None:
    fd_fake.fail_next(Fault(status=429, retry_after="3600"))
    with pytest.raises(FinancialDatasetsUnavailableError, match="429") as err:
        fd_client.prices("AAPL", start_date=START, end_date=END)
    assert err.value.status == 429
    assert fd_fake.count("/prices") == 1


def test_500_then_success_recovers_with_backoff(
    fd_client: FinancialDatasetsClient, fd_fake: FinancialDatasetsFake, sleeps: object
) -> None:
    fd_fake.fail_next(Fault(status=500), Fault(status=502))
    trades = fd_client.insider_trades("MSFT")
    assert len(trades) == 10
    pauses = sleeps.pauses  # type: ignore[attr-defined]
    assert len(pauses) == 2 and all(0 < p <= 5.0 for p in pauses)


def test_persistent_500_gives_up_with_a_typed_error(
    fd_client: FinancialDatasetsClient, fd_fake: FinancialDatasetsFake
) -> None:
    fd_fake.fail_next(*(Fault(status=500) for _ in range(3)))
    with pytest.raises(FinancialDatasetsUnavailableError, match="HTTP 500"):
        fd_client.news("AAPL")
    assert fd_fake.count("/news") == 3


def test_timeout_is_retried_then_raises_typed_error(
    fd_server: tuple[FinancialDatasetsFake, str], fd_fake: FinancialDatasetsFake
) -> None:
    client = FinancialDatasetsClient(
        base_url=fd_server[1],
        api_key=fd_fake.api_key,
        timeout=0.3,
        max_attempts=2,
        sleep=lambda s: None,
    )
    fd_fake.fail_next(Fault(delay=1.0), Fault(delay=1.0))
    with pytest.raises(FinancialDatasetsUnavailableError, match="timed out after 2"):
        client.prices("AAPL", start_date=START, end_date=END)


def test_timeout_then_success_recovers(
    fd_server: tuple[FinancialDatasetsFake, str], fd_fake: FinancialDatasetsFake
) -> None:
    client = FinancialDatasetsClient(
        base_url=fd_server[1],
        api_key=fd_fake.api_key,
        timeout=0.3,
        max_attempts=2,
        sleep=lambda s: None,
    )
    fd_fake.fail_next(Fault(delay=1.0))
    assert len(client.prices("AAPL", start_date=START, end_date=END)) == 6


def test_malformed_json_is_a_typed_error(
    fd_client: FinancialDatasetsClient, fd_fake: FinancialDatasetsFake
) -> None:
    fd_fake.fail_next(Fault(malformed=True))
    with pytest.raises(FinancialDatasetsResponseError, match="not JSON"):
        fd_client.prices("AAPL", start_date=START, end_date=END)


def test_wrong_shape_is_a_typed_error(
    fd_server: tuple[FinancialDatasetsFake, str],
    fd_fake: FinancialDatasetsFake,
    fd_client: FinancialDatasetsClient,
) -> None:
    fd_fake.inject("news", "AAPL", {"ticker": "AAPL", "title": None, "date": "yesterday"})
    try:
        with pytest.raises(FinancialDatasetsResponseError, match="unexpected response shape"):
            fd_client.news("AAPL")
    finally:
        fd_fake.data["news"]["AAPL"].pop(0)


@pytest.mark.parametrize("key", [None, "wrong-key"])
def test_bad_key_is_an_auth_error_that_does_not_leak_the_key(
    fd_server: tuple[FinancialDatasetsFake, str], fd_fake: FinancialDatasetsFake, key: str | None
) -> None:
    client = FinancialDatasetsClient(base_url=fd_server[1], api_key=key, sleep=lambda s: None)
    with pytest.raises(FinancialDatasetsAuthError, match="401") as err:
        client.financial_metrics("AAPL")
    assert "wrong-key" not in str(err.value)
    assert fd_fake.count() == 1  # auth failures are not retried


def test_403_is_an_auth_error(
    fd_client: FinancialDatasetsClient, fd_fake: FinancialDatasetsFake
) -> None:
    fd_fake.fail_next(Fault(status=403))
    with pytest.raises(FinancialDatasetsAuthError):
        fd_client.company_facts("AAPL")


def test_unknown_ticker_is_not_found(fd_client: FinancialDatasetsClient) -> None:
    with pytest.raises(FinancialDatasetsNotFoundError) as err:
        fd_client.prices("NOPE", start_date=START, end_date=END)
    assert isinstance(err.value, TickerNotFoundError)


def test_other_4xx_is_a_request_error(
    fd_client: FinancialDatasetsClient, fd_fake: FinancialDatasetsFake
) -> None:
    fd_fake.fail_next(Fault(status=402))
    with pytest.raises(FinancialDatasetsRequestError, match="402"):
        fd_client.news("AAPL")
    assert fd_fake.count() == 1


def test_connection_refused_is_unavailable(fd_fake: FinancialDatasetsFake) -> None:
    from tests.fakes.financialdatasets_server import free_port

    client = FinancialDatasetsClient(
        base_url=f"http://127.0.0.1:{free_port()}",
        api_key="k",
        max_attempts=2,
        sleep=lambda s: None,
    )
    with pytest.raises(FinancialDatasetsUnavailableError, match="connection failed"):
        client.news("AAPL")


def test_off_host_next_page_url_is_refused() -> None:
    """The key must never be sent to a host other than the configured one."""
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url.host))
        page = {"prices": [], "next_page_url": "http://evil.invalid/prices/?page=2"}
        return httpx.Response(200, json=page)

    client = FinancialDatasetsClient(
        base_url="http://fd.local", api_key="k", transport=httpx.MockTransport(answer)
    )
    with pytest.raises(FinancialDatasetsResponseError, match="off-host"):
        client.prices("AAPL", start_date=START, end_date=END)
    assert seen == ["fd.local"]
