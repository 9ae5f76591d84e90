"""One settings object for the whole system: environment and .env over YAML over packaged defaults.

Why strict: a trading system must never run on a value it misread. Unknown keys, malformed
values and unsafe combinations stop start-up with a ``ConfigError`` that names the key; nothing
falls back to live trading or to a looser risk limit.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

__all__ = [
    "ConfigError",
    "LLMConfig",
    "PaperBrokerConfig",
    "ResearchPolicy",
    "RiskParameters",
    "Settings",
    "Thresholds",
    "load_settings",
]

PACKAGED_DIR = Path(__file__).resolve().parent
DataProviderName = Literal["offline", "csv", "financialdatasets", "alpaca"]
WorkflowModeName = Literal["signal", "research", "pre_research", "post_research", "full"]


class ConfigError(Exception):
    """Configuration is malformed or unsafe; the message names every offending key."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RiskParameters(_Section):
    """Limits the risk gate enforces (config/risk_parameters.yaml)."""

    max_position_pct: float = Field(gt=0, le=1)
    max_order_notional: float = Field(gt=0)
    max_gross_exposure_pct: float = Field(gt=0, le=4)
    max_net_exposure_pct: float = Field(gt=0, le=4)
    max_open_positions: int = Field(ge=1)
    min_cash_reserve_pct: float = Field(ge=0, lt=1)
    allow_shorts: bool
    min_order_qty: float = Field(gt=0)
    decision_ttl_seconds: int = Field(gt=0)
    price_sanity_pct: float = Field(gt=0, le=0.5)
    stop_loss_pct: float = Field(gt=0, lt=1)
    take_profit_pct: float = Field(gt=0)
    max_daily_loss_pct: float = Field(gt=0, lt=1)
    max_drawdown_pct: float = Field(gt=0, lt=1)
    # Added with the full gate (issue 6); defaults keep older YAML overlays valid.
    max_sector_pct: float = Field(default=0.35, gt=0, le=1)
    volatility_target_daily_pct: float = Field(default=0.03, gt=0, le=1)
    volatility_lookback_days: int = Field(default=20, ge=2)
    correlation_threshold: float = Field(default=0.85, gt=0, le=1)
    correlated_position_scale: float = Field(default=0.5, gt=0, le=1)
    market_hours_policy: Literal["regular_hours", "any"] = "regular_hours"
    symbol_cooldown_seconds: int = Field(default=3600, ge=0)
    max_orders_per_minute: int = Field(default=30, ge=1)
    pdt_min_equity: float = Field(default=25000, ge=0)
    pdt_max_day_trades: int = Field(default=3, ge=0)
    daily_loss_warning_fraction: float = Field(default=0.75, gt=0, lt=1)
    symbol_sectors: dict[str, str] = Field(default_factory=dict)
    """Symbol -> sector for max_sector_pct; unlisted symbols are their own bucket."""


class Thresholds(_Section):
    min_signal_confidence: float = Field(ge=0, le=1)
    buy_score: float = Field(gt=0, le=1)
    sell_score: float = Field(ge=-1, lt=0)
    min_analyst_coverage: int = Field(ge=1)


class ResearchPolicy(_Section):
    unavailable_policy: Literal["fail_closed", "proceed"] = "fail_closed"


class PaperBrokerConfig(_Section):
    starting_cash: float = Field(gt=0)
    slippage_bps: float = Field(ge=0, le=500)


class OfflineDataConfig(_Section):
    seed: int = 7
    history_days: int = Field(default=420, ge=60)


class CacheConfig(_Section):
    """Market-data cache time-to-live per kind of data, in seconds (CACHE__NEWS_TTL_SECONDS...)."""

    bars_ttl_seconds: float = Field(default=3600, gt=0)
    metrics_ttl_seconds: float = Field(default=21600, gt=0)
    news_ttl_seconds: float = Field(default=300, gt=0)
    insider_trades_ttl_seconds: float = Field(default=3600, gt=0)
    line_items_ttl_seconds: float = Field(default=21600, gt=0)
    company_facts_ttl_seconds: float = Field(default=86400, gt=0)
    quotes_ttl_seconds: float = Field(default=5, gt=0)
    max_entries: int = Field(default=10_000, ge=1)
    """Bound of the in-process cache (used when REDIS_URL is not set)."""


class ScheduleConfig(_Section):
    timezone: str = "America/New_York"
    trading_cycle_cron: str = "35 9 * * 1-5"
    position_monitor_interval_seconds: int = Field(default=60, ge=5)


LLMProviderName = Literal["none", "openai", "ollama"]


class LLMConfig(_Section):
    """LLM guard rails (trading_config.yaml ``llm:``; env ``LLM__MAX_CONCURRENCY`` and so on)."""

    request_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    max_attempts: int = Field(default=3, ge=1, le=10)
    """Attempts per call, first included; only timeouts, 5xx, 429 and dropped connections retry."""
    retry_backoff_seconds: float = Field(default=0.5, ge=0, le=60)
    max_concurrency: int | None = Field(default=8, ge=1)
    """LLM calls in flight at once across the run; null means unbounded."""
    run_token_budget: int = Field(default=250_000, ge=1)
    run_cost_budget_usd: float = Field(default=2.0, gt=0)
    input_cost_per_1k_tokens: float = Field(default=0.0, ge=0)
    output_cost_per_1k_tokens: float = Field(default=0.0, ge=0)
    max_output_tokens: int = Field(default=800, ge=16)
    cache: Literal["auto", "sqlite", "redis", "none"] = "auto"
    """auto: Redis when REDIS_URL is set, else SQLite under HEDGEGRAPH_HOME."""
    cache_ttl_seconds: int = Field(default=7 * 86400, ge=1)
    analyst_providers: dict[str, LLMProviderName] = Field(default_factory=dict)
    """Per-analyst override of LLM_PROVIDER (``none`` keeps that analyst rules-only)."""
    analyst_models: dict[str, str] = Field(default_factory=dict)
    """Per-analyst override of LLM_MODEL."""


def _deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(loaded, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    return loaded


def yaml_layers(config_dir: Path | None) -> dict[str, Any]:
    """Packaged YAML defaults, overlaid with the same two files from ``config_dir`` if present."""
    data: dict[str, Any] = {}
    for directory in (PACKAGED_DIR, config_dir):
        if directory is None:
            continue
        trading = directory / "trading_config.yaml"
        risk = directory / "risk_parameters.yaml"
        if trading.exists():
            data = _deep_merge(data, _read_yaml(trading))
        if risk.exists():
            data = _deep_merge(data, {"risk": _read_yaml(risk)})
    return data


class _YamlSource(PydanticBaseSettingsSource):
    def __init__(self, settings_cls: type[BaseSettings], config_dir: Path | None) -> None:
        super().__init__(settings_cls)
        self._data = yaml_layers(config_dir)

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return self._data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(self._data)


class Settings(BaseSettings):
    """Every configuration name of ARCHITECTURE.md in one object.

    Environment names are the field names upper-cased (``TRADING_MODE``); nested sections use a
    double underscore (``RISK__MAX_POSITION_PCT``).
    """

    model_config = SettingsConfigDict(
        env_file=".env",
        env_nested_delimiter="__",
        extra="forbid",
        case_sensitive=False,
        frozen=True,
    )

    # hedgegraph's own switches
    hedgegraph_home: Path = Field(default_factory=lambda: Path.home() / ".hedgegraph")
    data_providers: list[DataProviderName] | None = None
    data_dir: Path | None = None
    llm_provider: Literal["none", "openai", "ollama"] = "none"
    llm_model: str | None = None
    broker: Literal["paper", "alpaca"] = "paper"
    trading_mode: Literal["paper", "live"] = "paper"
    trading_session_mode: Literal["autonomous", "supervised"] = "autonomous"
    auto_trading_enabled: bool = False
    workflow_mode: WorkflowModeName = "full"
    universe: list[str] = Field(default_factory=lambda: ["AAPL", "MSFT", "NVDA"])
    analysts: list[str] | None = None
    """Analyst roster by registry name; ``None``: the deterministic five; ``["all"]``: all 17."""
    hedgegraph_api_key: SecretStr | None = None
    live_trading_confirmation: str | None = None
    """Must equal the broker account number for TRADING_MODE=live to take effect."""

    # ecosystems' own names
    apca_api_key_id: SecretStr | None = None
    apca_api_secret_key: SecretStr | None = None
    apca_api_base_url: str = "https://paper-api.alpaca.markets"
    apca_api_data_url: str | None = None
    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    ollama_host: str = "http://127.0.0.1:11434"
    financial_datasets_api_key: SecretStr | None = None
    financial_datasets_base_url: str = "https://api.financialdatasets.ai"
    database_url: str | None = None
    redis_url: str | None = None
    checkpoint_url: str | None = None

    # sections (YAML)
    risk: RiskParameters
    thresholds: Thresholds
    research: ResearchPolicy = Field(default_factory=ResearchPolicy)
    paper: PaperBrokerConfig
    offline: OfflineDataConfig = Field(default_factory=OfflineDataConfig)
    schedule: ScheduleConfig = Field(default_factory=ScheduleConfig)
    cache: CacheConfig = Field(default_factory=CacheConfig)
    llm: LLMConfig = Field(default_factory=LLMConfig)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        config_dir = os.environ.get("HEDGEGRAPH_CONFIG_DIR")
        yaml_source = _YamlSource(settings_cls, Path(config_dir) if config_dir else None)
        return (init_settings, env_settings, dotenv_settings, yaml_source, file_secret_settings)

    @model_validator(mode="after")
    def _safe_combinations(self) -> Settings:
        if self.trading_mode == "live" and self.broker != "alpaca":
            raise ValueError("trading_mode: live trading needs BROKER=alpaca")
        if self.data_providers is not None and not self.data_providers:
            raise ValueError("data_providers: must name at least one provider")
        if "csv" in self.effective_data_providers and self.data_dir is None:
            raise ValueError("data_dir: DATA_PROVIDERS includes csv but DATA_DIR is not set")
        if self.broker == "alpaca" and (
            self.apca_api_key_id is None or self.apca_api_secret_key is None
        ):
            raise ValueError(
                "apca_api_key_id: BROKER=alpaca needs APCA_API_KEY_ID and APCA_API_SECRET_KEY"
            )
        return self

    @property
    def effective_data_providers(self) -> list[DataProviderName]:
        """DATA_PROVIDERS, or Financial Datasets when its key is set, else offline.

        The synthetic offline market is never an implicit fallback behind real data: a real
        ticker must not quietly get made-up prices when the real provider fails.
        """
        if self.data_providers:
            return list(self.data_providers)
        if self.financial_datasets_api_key is not None:
            return ["financialdatasets"]
        return ["offline"]

    @property
    def effective_checkpoint_url(self) -> str:
        return self.checkpoint_url or f"sqlite:///{self.hedgegraph_home / 'checkpoints.sqlite'}"

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.hedgegraph_home / 'hedgegraph.sqlite'}"

    @property
    def is_live(self) -> bool:
        """Live only with the explicit setting; the confirmation is checked against the account."""
        return self.trading_mode == "live"


def _describe(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        key = ".".join(str(part) for part in err["loc"]) or "settings"
        got = err.get("input")
        shown = "" if isinstance(got, dict) or got is None else f" (got {got!r})"
        lines.append(f"{key}: {err['msg']}{shown}")
    return "invalid configuration:\n  " + "\n  ".join(lines)


def load_settings(**overrides: Any) -> Settings:
    """Load and validate settings; raise ``ConfigError`` naming each bad key."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None
