"""Typed errors of the Financial Datasets client; each says what went wrong and whether to retry.

All derive from ``MarketDataError`` so a fallback chain moves on to the next provider, and none of
them ever stands for "no data": an empty answer is a successful response with an empty list.
"""

from __future__ import annotations

from tools.market_data.provider import MarketDataError, TickerNotFoundError

__all__ = [
    "FinancialDatasetsAuthError",
    "FinancialDatasetsError",
    "FinancialDatasetsNotFoundError",
    "FinancialDatasetsRequestError",
    "FinancialDatasetsResponseError",
    "FinancialDatasetsUnavailableError",
]

PROVIDER = "financialdatasets"


class FinancialDatasetsError(MarketDataError):
    """Base of every Financial Datasets failure."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(PROVIDER, message)
        self.status = status


class FinancialDatasetsAuthError(FinancialDatasetsError):
    """401/403: the API key is missing, wrong, or lacks the plan for this endpoint."""


class FinancialDatasetsNotFoundError(FinancialDatasetsError, TickerNotFoundError):
    """404: the ticker (or resource) is unknown to the API."""


class FinancialDatasetsRequestError(FinancialDatasetsError):
    """400/402/422 and other 4xx: the request itself is wrong; retrying cannot help."""


class FinancialDatasetsUnavailableError(FinancialDatasetsError):
    """429, 5xx, timeouts or connection failures that outlasted every retry."""


class FinancialDatasetsResponseError(FinancialDatasetsError):
    """A 2xx answer that is not the documented JSON shape (malformed JSON, wrong types)."""
