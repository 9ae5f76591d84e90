"""Settings (pydantic-settings) and the YAML defaults beside this file."""

from config.settings import (
    ConfigError,
    RiskParameters,
    Settings,
    Thresholds,
    load_operator_settings,
    load_settings,
    packaged_settings,
)
from config.tickers import TickerError, parse_ticker, parse_tickers

__all__ = [
    "ConfigError",
    "RiskParameters",
    "Settings",
    "Thresholds",
    "TickerError",
    "load_operator_settings",
    "load_settings",
    "packaged_settings",
    "parse_ticker",
    "parse_tickers",
]
