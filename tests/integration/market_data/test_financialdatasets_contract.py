"""The real client parses the real recorded responses, served over HTTP by a local server."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tests.fakes.financialdatasets_server import FinancialDatasetsFake
from tools.market_data.financialdatasets import (
    FinancialDatasetsClient,
    FinancialDatasetsMarketData,
)
from tools.market_data.financialdatasets.wire import (
    CompanyFacts,
    WireFinancialMetrics,
    WireInsiderTrade,
    WireNews,
    WirePrice,
)
from tools.market_data.sessions import NEW_YORK

pytestmark = pytest.mark.integration
AS_OF = datetime(2024, 3, 8, 23, 30, tzinfo=UTC)  # Friday evening, after the last news item


@pytest.mark.parametrize(
    ("prefix", "key", "model"),
    [
        ("prices", "prices", WirePrice),
        ("financial_metrics", "financial_metrics", WireFinancialMetrics),
        ("insider_trades", "insider_trades", WireInsiderTrade),
        ("news", "news", WireNews),
    ],
)
def test_wire_models_declare_every_key_the_real_samples_carry(
    shared_data: Path, prefix: str, key: str, model: type
) -> None:
    """A key the vendor sends that our model lacks would be silently dropped: catch it here."""
    for path in sorted((shared_data / "financialdatasets").glob(f"{prefix}_*.json")):
        for record in json.loads(path.read_text())[key]:
            assert set(record) <= set(model.model_fields), (
                path.name,
                set(record) - set(model.model_fields),
            )


@pytest.mark.parametrize(
    ("schema", "model"),
    [
        ("Price", WirePrice),
        ("InsiderTrade", WireInsiderTrade),
        ("News", WireNews),
        ("CompanyFacts", CompanyFacts),
    ],
)
def test_wire_models_declare_every_property_of_the_openapi_schema(
    shared_data: Path, schema: str, model: type
) -> None:
    spec = json.loads(
        (shared_data / "financialdatasets" / "openapi_financialdatasets.json").read_text()
    )
    properties = set(spec["components"]["schemas"][schema]["properties"])
    assert properties <= set(model.model_fields), properties - set(model.model_fields)


@pytest.mark.parametrize("ticker", ["AAPL", "MSFT", "TSLA"])
def test_prices_round_trip(fd_client: FinancialDatasetsClient, ticker: str) -> None:
    bars = fd_client.prices(ticker, start_date=date(2024, 3, 1), end_date=date(2024, 3, 8))
    assert len(bars) == 6
    assert bars[0].time == datetime(2024, 3, 1, 5, 0, tzinfo=UTC)


def test_known_closes_reach_domain_bars(fd_client: FinancialDatasetsClient) -> None:
    provider = FinancialDatasetsMarketData(fd_client)
    bars = provider.bars("AAPL", start=date(2024, 3, 1), as_of=AS_OF)
    assert [b.ts.astimezone(NEW_YORK).date() for b in bars] == [
        date(2024, 3, d) for d in (1, 4, 5, 6, 7, 8)
    ]
    assert bars[0].close == pytest.approx(179.66)
    assert bars[0].ts == datetime(2024, 3, 1, 14, 30, tzinfo=UTC)  # session open, not midnight
    msft = provider.bars("MSFT", start=date(2024, 3, 1), as_of=AS_OF)
    assert msft[0].close == pytest.approx(415.50)


def test_pagination_follows_next_page_url(
    fd_client: FinancialDatasetsClient, fd_fake: FinancialDatasetsFake
) -> None:
    fd_fake.page_size = 2
    bars = fd_client.prices("TSLA", start_date=date(2024, 3, 1), end_date=date(2024, 3, 8))
    assert len(bars) == 6 and bars[0].close == pytest.approx(202.64)
    assert fd_fake.count("/prices") == 3


def test_metrics_keep_nulls_and_get_a_conservative_public_time(
    fd_client: FinancialDatasetsClient,
) -> None:
    wire = fd_client.financial_metrics("AAPL", limit=10)
    assert len(wire) == 10 and wire[0].interest_coverage is None
    provider = FinancialDatasetsMarketData(fd_client)
    metrics = provider.financial_metrics("AAPL", as_of=AS_OF, limit=4)
    assert metrics[0].report_period == date(2023, 12, 30)
    assert metrics[0].available_at.date() == date(2024, 2, 14)  # +45 days, 22:00 New York
    assert metrics[0].price_to_earnings_ratio == pytest.approx(29.673)
    assert metrics[0].interest_coverage is None


def test_insider_trades_with_null_prices_and_titles(fd_client: FinancialDatasetsClient) -> None:
    trades = FinancialDatasetsMarketData(fd_client).insider_trades("AAPL", as_of=AS_OF)
    assert len(trades) == 10
    rsu = [t for t in trades if t.security_title == "Restricted Stock Unit"]
    assert rsu and all(t.price_per_share is None for t in rsu)
    assert any(t.shares is not None and t.shares < 0 for t in trades)
    assert all(t.available_at == datetime(2024, 3, 2, 3, 0, tzinfo=UTC) for t in trades)


def test_news_with_null_sentiment(fd_client: FinancialDatasetsClient) -> None:
    news = FinancialDatasetsMarketData(fd_client).news("AAPL", as_of=AS_OF, limit=100)
    assert len(news) == 100
    assert all(n.sentiment is None for n in news)
    assert news[0].published_at == datetime(2024, 3, 8, 22, 45, 22, tzinfo=UTC)


def test_line_items_from_real_statements(fd_client: FinancialDatasetsClient) -> None:
    provider = FinancialDatasetsMarketData(fd_client)
    rows = provider.line_items(
        "MSFT",
        ["revenue", "net_income", "free_cash_flow", "no_such_item"],
        as_of=datetime(2025, 12, 1, tzinfo=UTC),
        period="annual",
    )
    assert len(rows) == 1
    assert rows[0].values["revenue"] == 281724000000
    assert rows[0].values["no_such_item"] is None
    early = provider.line_items(
        "MSFT", ["revenue"], as_of=datetime(2025, 8, 1, tzinfo=UTC), period="annual"
    )
    assert early == []  # FY2025 (June 30) is not public until its 10-K deadline


def test_company_facts(fd_client: FinancialDatasetsClient) -> None:
    facts = FinancialDatasetsMarketData(fd_client).company_facts("AAPL")
    assert facts.ticker == "AAPL" and facts.is_active is True


def test_line_items_through_a_cached_fallback_chain(
    fd_client: FinancialDatasetsClient, fd_fake: FinancialDatasetsFake
) -> None:
    from tools.cache import InProcessCache
    from tools.market_data.cached import CachedMarketData
    from tools.market_data.composite import DataKind, FallbackMarketData
    from tools.market_data.offline import OfflineMarketData

    chain = FallbackMarketData(
        [
            OfflineMarketData(),
            CachedMarketData(FinancialDatasetsMarketData(fd_client), InProcessCache()),
        ]
    )
    as_of = datetime(2025, 12, 1, tzinfo=UTC)
    rows = chain.line_items("MSFT", ["revenue"], as_of=as_of, period="annual")
    again = chain.line_items("MSFT", ["revenue"], as_of=as_of, period="annual")
    assert rows == again and rows[0].values == {"revenue": 281724000000.0}
    assert chain.answered_by(DataKind.LINE_ITEMS, "MSFT") == "financialdatasets"
    assert chain.failed_before(DataKind.LINE_ITEMS, "MSFT") == ("offline: no line items",)
    assert fd_fake.count("/financials/search/line-items") == 1
