"""Wire models: the JSON the Financial Datasets API really sends (see shared/data samples).

Why separate from the domain: the vendor's names and quirks (midnight-New-York ``time`` written
in UTC, ``null`` prices on RSU grants, a ``sentiment`` that is usually ``null``, keys the OpenAPI
spec does not list such as ``ticker`` on prices and ``image_url`` on news) stay here; the
provider maps them to domain models. Unknown new keys are ignored so a vendor addition never
breaks trading; a missing required key or a wrong type is a ``ValidationError`` that the client
turns into ``FinancialDatasetsResponseError``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "CompanyFacts",
    "CompanyFactsResponse",
    "FinancialMetricsResponse",
    "InsiderTradesResponse",
    "LineItemSearchRequest",
    "LineItemSearchResponse",
    "LineItemsResult",
    "NewsResponse",
    "PricesResponse",
    "WireFinancialMetrics",
    "WireInsiderTrade",
    "WireNews",
    "WirePrice",
]


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class WirePrice(_Wire):
    ticker: str | None = None
    """Present in real responses though not in the OpenAPI ``Price`` schema."""
    open: float
    close: float
    high: float
    low: float
    volume: float
    time: datetime
    """Midnight New York time of the bar's day, written in UTC (``2024-03-01T05:00:00Z``)."""
    time_milliseconds: int | None = None


class PricesResponse(_Wire):
    ticker: str | None = None
    prices: list[WirePrice]
    next_page_url: str | None = None


class WireFinancialMetrics(_Wire):
    """One TTM/quarterly/annual period; every ratio may be ``null`` in real data."""

    ticker: str
    report_period: date
    fiscal_period: str | None = None
    period: str
    currency: str | None = None
    market_cap: float | None = None
    enterprise_value: float | None = None
    price_to_earnings_ratio: float | None = None
    price_to_book_ratio: float | None = None
    price_to_sales_ratio: float | None = None
    enterprise_value_to_ebitda_ratio: float | None = None
    enterprise_value_to_revenue_ratio: float | None = None
    free_cash_flow_yield: float | None = None
    peg_ratio: float | None = None
    gross_margin: float | None = None
    operating_margin: float | None = None
    net_margin: float | None = None
    return_on_equity: float | None = None
    return_on_assets: float | None = None
    return_on_invested_capital: float | None = None
    asset_turnover: float | None = None
    inventory_turnover: float | None = None
    receivables_turnover: float | None = None
    days_sales_outstanding: float | None = None
    operating_cycle: float | None = None
    working_capital_turnover: float | None = None
    current_ratio: float | None = None
    quick_ratio: float | None = None
    cash_ratio: float | None = None
    operating_cash_flow_ratio: float | None = None
    debt_to_equity: float | None = None
    debt_to_assets: float | None = None
    interest_coverage: float | None = None
    revenue_growth: float | None = None
    earnings_growth: float | None = None
    book_value_growth: float | None = None
    earnings_per_share_growth: float | None = None
    free_cash_flow_growth: float | None = None
    operating_income_growth: float | None = None
    ebitda_growth: float | None = None
    payout_ratio: float | None = None
    earnings_per_share: float | None = None
    book_value_per_share: float | None = None
    free_cash_flow_per_share: float | None = None


class FinancialMetricsResponse(_Wire):
    """The real list wrapper (the spec's ``FinancialMetricsResponse`` does not match reality)."""

    financial_metrics: list[WireFinancialMetrics]
    next_page_url: str | None = None


class WireInsiderTrade(_Wire):
    ticker: str
    issuer: str | None = None
    name: str | None = None
    title: str | None = None
    is_board_director: bool | None = None
    transaction_date: date | None = None
    transaction_shares: float | None = None
    transaction_price_per_share: float | None = None
    transaction_value: float | None = None
    shares_owned_before_transaction: float | None = None
    shares_owned_after_transaction: float | None = None
    security_title: str | None = None
    filing_date: date


class InsiderTradesResponse(_Wire):
    insider_trades: list[WireInsiderTrade]
    next_page_url: str | None = None


class WireNews(_Wire):
    ticker: str
    title: str
    author: str | None = None
    source: str | None = None
    date: datetime
    url: str | None = None
    image_url: str | None = None
    sentiment: str | float | None = None
    """The spec says string (``positive``/``negative``/``neutral``); real samples send ``null``."""


class NewsResponse(_Wire):
    news: list[WireNews]
    next_page_url: str | None = None


class LineItemSearchRequest(_Wire):
    line_items: list[str] = Field(min_length=1)
    tickers: list[str] = Field(min_length=1)
    period: str = "ttm"
    limit: int = Field(default=1, ge=1)


class LineItemsResult(BaseModel):
    """One (ticker, period) row; the requested line items arrive as extra keys."""

    model_config = ConfigDict(extra="allow", frozen=True)

    ticker: str
    report_period: date
    period: str
    currency: str | None = None

    def values(self) -> dict[str, float | None]:
        """The line items of this row (every key beyond the four fixed ones)."""
        extra: dict[str, Any] = dict(self.model_extra or {})
        return {k: (None if v is None else float(v)) for k, v in extra.items()}


class LineItemSearchResponse(_Wire):
    search_results: list[LineItemsResult]


class CompanyFacts(_Wire):
    ticker: str
    name: str | None = None
    cik: str | None = None
    industry: str | None = None
    sector: str | None = None
    category: str | None = None
    exchange: str | None = None
    is_active: bool | None = None
    listing_date: date | None = None
    location: str | None = None
    market_cap: float | None = None
    number_of_employees: float | None = None
    sec_filings_url: str | None = None
    sic_code: str | None = None
    sic_industry: str | None = None
    sic_sector: str | None = None
    website_url: str | None = None
    weighted_average_shares: float | None = None


class CompanyFactsResponse(_Wire):
    company_facts: CompanyFacts
