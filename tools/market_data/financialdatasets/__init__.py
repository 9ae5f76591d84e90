"""Financial Datasets API (api.financialdatasets.ai): wire models, HTTP client, provider."""

from __future__ import annotations

from tools.market_data.financialdatasets.client import FinancialDatasetsClient
from tools.market_data.financialdatasets.errors import (
    FinancialDatasetsAuthError,
    FinancialDatasetsError,
    FinancialDatasetsNotFoundError,
    FinancialDatasetsRequestError,
    FinancialDatasetsResponseError,
    FinancialDatasetsUnavailableError,
)
from tools.market_data.financialdatasets.provider import FinancialDatasetsMarketData

__all__ = [
    "FinancialDatasetsAuthError",
    "FinancialDatasetsClient",
    "FinancialDatasetsError",
    "FinancialDatasetsMarketData",
    "FinancialDatasetsNotFoundError",
    "FinancialDatasetsRequestError",
    "FinancialDatasetsResponseError",
    "FinancialDatasetsUnavailableError",
]
