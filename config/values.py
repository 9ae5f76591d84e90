"""Forgiving readers for setting values: comma lists, any-case choices, tickers.

Why forgiving: ``DATA_PROVIDERS=financialdatasets,alpaca`` and ``TRADING_MODE=LIVE`` mean one
thing only, so refusing them teaches nothing. Why still strict: each reader hands pydantic a value
it then validates exactly; nothing unknown is guessed into something known.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator
from pydantic_settings import NoDecode

from config.tickers import parse_ticker, parse_tickers

__all__ = [
    "BrokerName",
    "DataProviderList",
    "DataProviderName",
    "LLMProviderName",
    "StringList",
    "Ticker",
    "TickerList",
    "TradingMode",
    "TradingSessionMode",
    "WorkflowModeName",
    "casefold_choice",
    "read_list",
]


def read_list(value: Any) -> Any:
    """``a,b`` or a JSON array (``["a", "b"]``) from the environment or YAML; lists pass through."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.startswith("["):
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            raise ValueError('not a valid JSON list; write a,b or ["a", "b"]') from None
    return [part.strip() for part in text.split(",") if part.strip()]


def casefold_choice(value: Any) -> Any:
    """``LIVE`` and `` Live `` are ``live``; other types are left for pydantic to refuse."""
    return value.strip().lower() if isinstance(value, str) else value


def _workflow_mode(value: Any) -> Any:
    folded = casefold_choice(value)
    return folded.replace("-", "_") if isinstance(folded, str) else folded


_Choice = BeforeValidator(casefold_choice)

TradingMode = Annotated[Literal["paper", "live"], _Choice]
TradingSessionMode = Annotated[Literal["autonomous", "supervised"], _Choice]
BrokerName = Annotated[Literal["paper", "alpaca"], _Choice]
LLMProviderName = Annotated[Literal["none", "openai", "ollama"], _Choice]
WorkflowModeName = Annotated[
    Literal["signal", "research", "pre_research", "post_research", "full"],
    BeforeValidator(_workflow_mode),
]
DataProviderName = Annotated[Literal["offline", "csv", "financialdatasets", "alpaca"], _Choice]

DataProviderList = Annotated[list[DataProviderName], NoDecode, BeforeValidator(read_list)]
"""DATA_PROVIDERS: the ordered fallback list."""
StringList = Annotated[list[str], NoDecode, BeforeValidator(read_list)]
"""Recipients, webhooks: a comma list or a JSON array."""


Ticker = Annotated[str, AfterValidator(parse_ticker)]
TickerList = Annotated[
    list[str], NoDecode, BeforeValidator(read_list), AfterValidator(parse_tickers)
]
"""UNIVERSE: validated symbols; an empty value is an error, not the default universe."""
