"""Settings (pydantic-settings) and the YAML defaults beside this file."""

from config.settings import ConfigError, RiskParameters, Settings, Thresholds, load_settings

__all__ = ["ConfigError", "RiskParameters", "Settings", "Thresholds", "load_settings"]
