"""Point in time: records published after ``as_of`` never reach a snapshot, even when the server
sends them (a server that ignores the date parameters), and the ticker is marked accordingly."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from domain import DataIssue
from tests.fakes.financialdatasets_server import FinancialDatasetsFake
from tools.market_data.financialdatasets import (
    FinancialDatasetsClient,
    FinancialDatasetsMarketData,
)
from tools.market_data.snapshot import build_snapshot

pytestmark = pytest.mark.integration
# Wednesday 2024-03-06, 12:00 New York: that session has not closed.
AS_OF = datetime(2024, 3, 6, 17, 0, tzinfo=UTC)


@pytest.fixture
def future_records(fd_fake: FinancialDatasetsFake) -> Iterator[None]:
    saved = copy.deepcopy(fd_fake.data)
    fd_fake.inject(
        "news",
        "AAPL",
        {
            "ticker": "AAPL",
            "title": "LATER TODAY",
            "author": None,
            "source": "x",
            "date": "2024-03-06T18:00:00Z",
            "url": None,
            "sentiment": "positive",
        },
    )
    metrics = dict(saved["financial_metrics"]["AAPL"][0])
    metrics.update(report_period="2024-03-01", fiscal_period="2024-Q2", market_cap=1.0)
    fd_fake.inject("financial_metrics", "AAPL", metrics)
    trade = dict(saved["insider_trades"]["AAPL"][0])
    trade.update(filing_date="2024-03-06", name="FILED TONIGHT")
    fd_fake.inject("insider_trades", "AAPL", trade)
    yield
    fd_fake.data = saved


@pytest.mark.parametrize("server_filters", [True, False], ids=["server-filters", "server-leaks"])
def test_future_records_never_reach_the_snapshot(
    fd_client: FinancialDatasetsClient,
    fd_fake: FinancialDatasetsFake,
    future_records: None,
    server_filters: bool,
) -> None:
    fd_fake.ignore_filters = not server_filters
    snap = build_snapshot(
        FinancialDatasetsMarketData(fd_client), ["AAPL"], as_of=AS_OF, lookback_days=10
    )
    data = snap.tickers["AAPL"]
    assert [b.ts.date().isoformat() for b in data.bars] == [
        "2024-03-01",
        "2024-03-04",
        "2024-03-05",
    ]
    assert all(n.published_at <= AS_OF for n in data.news)
    assert "LATER TODAY" not in {n.title for n in data.news}
    assert data.news[0].published_at == datetime(2024, 3, 6, 16, 29, tzinfo=UTC)
    assert all(m.available_at <= AS_OF for m in data.metrics)
    assert 1.0 not in {m.market_cap for m in data.metrics}
    assert "FILED TONIGHT" not in {t.name for t in data.insider_trades}
    assert all(t.available_at <= AS_OF for t in data.insider_trades)
    assert data.source == "financialdatasets"
    # The provider filters locally, so even a leaking server does not trip the leak check.
    assert DataIssue.FUTURE_DATED not in data.quality.issues


def test_a_week_later_the_same_records_are_visible(
    fd_client: FinancialDatasetsClient, future_records: None
) -> None:
    later = datetime(2024, 3, 8, 23, 30, tzinfo=UTC)
    data = build_snapshot(FinancialDatasetsMarketData(fd_client), ["AAPL"], as_of=later).tickers[
        "AAPL"
    ]
    assert "LATER TODAY" in {n.title for n in data.news}
    assert "FILED TONIGHT" in {t.name for t in data.insider_trades}
    assert len(data.bars) == 6
