"""One settings object for the whole system: environment and .env over YAML over packaged defaults.

Why strict: a trading system must never run on a value it misread. Unknown keys, malformed
values and unsafe combinations stop start-up with a ``ConfigError`` that names the key (and where
it came from); nothing falls back to live trading, to paper without saying so, or to a looser
risk limit. Why forgiving: comma lists and any-case choices (``TRADING_MODE=LIVE``) have one
meaning only, so they are read as meant (config/values.py).

How to build settings in tests: ``load_settings(hedgegraph_home=tmp_path, ...)`` with explicit
values; the suite's guard (tests/conftest.py) clears the ambient trading environment and turns
``.env`` reading off, and ``packaged_settings()`` gives the packaged defaults alone.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    SecretStr,
    ValidationError,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from config.alert_env import LegacyAlertEnvSource, alert_env_names
from config.alerts import AlertSettings
from config.credentials import missing_credentials
from config.endpoints import check_storage_url, is_live_trading_url
from config.env_files import ScreenedDotEnvSource, env_file_path, read_env_file
from config.errors import ConfigError, describe_validation_error
from config.extras import missing_extras
from config.provenance import Provenance
from config.sections import (
    CacheConfig,
    LLMConfig,
    OfflineDataConfig,
    PaperBrokerConfig,
    ResearchPolicy,
    RiskParameters,
    ScheduleConfig,
    Thresholds,
)
from config.values import (
    BrokerName,
    DataProviderName,
    LLMProviderName,
    TickerList,
    TradingMode,
    TradingSessionMode,
    WorkflowModeName,
    read_list,
)
from config.yaml_files import PACKAGED_DIR, yaml_layers

__all__ = [
    "PACKAGED_DIR",
    "AlertSettings",
    "CacheConfig",
    "ConfigError",
    "DataProviderName",
    "LLMConfig",
    "OfflineDataConfig",
    "PaperBrokerConfig",
    "ResearchPolicy",
    "RiskParameters",
    "ScheduleConfig",
    "Settings",
    "Thresholds",
    "WorkflowModeName",
    "load_operator_settings",
    "load_settings",
    "packaged_settings",
]

CONFIG_DIR_VARIABLE = "HEDGEGRAPH_CONFIG_DIR"


def _analyst_names(names: list[str] | None) -> list[str] | None:
    if names is None:
        return None
    cleaned = [name.strip() for name in names]
    if not cleaned or any(not name for name in cleaned):
        raise ValueError(
            "name at least one analyst (e.g. technicals,warren_buffett) or leave unset"
        )
    return cleaned


class _YamlSource(PydanticBaseSettingsSource):
    def __init__(self, settings_cls: type[BaseSettings], data: dict[str, Any]) -> None:
        super().__init__(settings_cls)
        self._data = data

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return self._data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(self._data)


def config_dir_from(dotenv: dict[str, str]) -> Path | None:
    """HEDGEGRAPH_CONFIG_DIR from the process environment, else from the .env file."""
    chosen = os.environ.get(CONFIG_DIR_VARIABLE) or dotenv.get(CONFIG_DIR_VARIABLE)
    return Path(chosen).expanduser() if chosen else None


class Settings(BaseSettings):
    """Every configuration name of ARCHITECTURE.md in one object.

    Environment names are the field names upper-cased (``TRADING_MODE``); nested sections use a
    double underscore (``RISK__MAX_POSITION_PCT``).
    """

    model_config = SettingsConfigDict(
        env_file=None,  # chosen per load by config/env_files.py (HEDGEGRAPH_ENV_FILE)
        env_nested_delimiter="__",
        extra="forbid",
        case_sensitive=False,
        frozen=True,
        allow_inf_nan=False,
        # Field docstrings are read by config/env_example.py when it renders them, not at
        # import (``use_attribute_docstrings`` parses the source: every command would pay).
    )
    _CHECKS_PROVIDER_CREDENTIALS: ClassVar[bool] = True

    # hedgegraph's own switches
    hedgegraph_home: Path = Field(default_factory=lambda: Path.home() / ".hedgegraph")
    """Folder for embedded state (SQLite files, paper account, caches)."""
    data_providers: Annotated[
        list[DataProviderName] | None, NoDecode, BeforeValidator(read_list)
    ] = None
    """Ordered fallback list (offline, csv, financialdatasets, alpaca); unset: see README."""
    data_dir: Path | None = None
    """Folder of CSV prices for DATA_PROVIDERS=csv (DIR/<TICKER>*.csv)."""
    llm_provider: LLMProviderName = "none"
    """none (rules-only analysts) | openai (OpenAI-compatible) | ollama."""
    llm_model: str | None = None
    """Model name for LLM_PROVIDER; per-analyst overrides live in llm.analyst_models."""
    broker: BrokerName = "paper"
    """paper (local, simulated fills) | alpaca (APCA_API_BASE_URL)."""
    trading_mode: TradingMode = "paper"
    """paper | live; live also needs LIVE_TRADING_CONFIRMATION and BROKER=alpaca."""
    trading_session_mode: TradingSessionMode = "autonomous"
    """autonomous | supervised (each approved order waits for a human)."""
    auto_trading_enabled: bool = False
    """Scheduled cycles submit orders only when true."""
    workflow_mode: WorkflowModeName = "full"
    """signal | research | pre_research | post_research | full."""
    universe: TickerList = Field(default_factory=lambda: ["AAPL", "MSFT", "NVDA"])
    """Watchlist tickers (a,b); positions held are always included."""
    analysts: Annotated[
        list[str] | None, NoDecode, BeforeValidator(read_list), AfterValidator(_analyst_names)
    ] = None
    """Analyst roster by registry name; ``None``: the deterministic five; ``["all"]``: all 17."""
    hedgegraph_api_key: SecretStr | None = None
    """The API's key; clients send it as Authorization: Bearer or x-api-key."""
    hedgegraph_cors_origins: Annotated[list[str], NoDecode, BeforeValidator(read_list)] = Field(
        default_factory=list
    )
    """Origins the API answers cross-origin (a,b); empty: CORS closed."""
    live_trading_confirmation: str | None = None
    """Must equal the broker account number for TRADING_MODE=live to take effect."""

    # ecosystems' own names
    apca_api_key_id: SecretStr | None = None
    apca_api_secret_key: SecretStr | None = None
    apca_api_base_url: str = "https://paper-api.alpaca.markets"
    """Alpaca trading endpoint; the live one is refused unless TRADING_MODE=live."""
    apca_api_data_url: str | None = None
    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    ollama_host: str = "http://127.0.0.1:11434"
    financial_datasets_api_key: SecretStr | None = None
    financial_datasets_base_url: str = "https://api.financialdatasets.ai"
    database_url: str | None = None
    """Application data: sqlite:///FILE or postgresql://...; unset: SQLite in the home."""
    redis_url: str | None = None
    """Cache, locks and live event log; unset: in-process."""
    checkpoint_url: str | None = None
    """Graph checkpoints: sqlite:///FILE, postgresql://... or redis://...; unset: SQLite."""

    # sections (YAML)
    risk: RiskParameters
    thresholds: Thresholds
    research: ResearchPolicy = Field(default_factory=ResearchPolicy)
    paper: PaperBrokerConfig
    offline: OfflineDataConfig = Field(default_factory=OfflineDataConfig)
    schedule: ScheduleConfig = Field(default_factory=ScheduleConfig)
    cache: CacheConfig = Field(default_factory=CacheConfig)
    llm: LLMConfig = Field(default_factory=LLMConfig)
    alerts: AlertSettings = Field(default_factory=AlertSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        env_path = env_file_path()
        dotenv = read_env_file(env_path)
        layers = yaml_layers(config_dir_from(dotenv), model=settings_cls)
        return (
            init_settings,
            env_settings,
            ScreenedDotEnvSource(settings_cls, env_path, alert_env_names()),
            LegacyAlertEnvSource(settings_cls, dict(os.environ), dotenv),
            _YamlSource(settings_cls, layers),
            file_secret_settings,
        )

    @model_validator(mode="after")
    def _safe_combinations(self) -> Settings:
        problems = [*self._mode_problems(), *self._storage_problems()]
        if self.data_providers is not None and not self.data_providers:
            problems.append("data_providers: must name at least one provider")
        if "csv" in self.effective_data_providers and self.data_dir is None:
            problems.append("data_dir: DATA_PROVIDERS includes csv but DATA_DIR is not set")
        problems.extend(missing_credentials(self, providers=self._CHECKS_PROVIDER_CREDENTIALS))
        problems.extend(missing_extras(self, providers=self._CHECKS_PROVIDER_CREDENTIALS))
        if problems:
            raise ValueError("\n  ".join(problems))
        return self

    def _mode_problems(self) -> list[str]:
        if self.trading_mode == "paper":
            if is_live_trading_url(self.apca_api_base_url):
                return [
                    "apca_api_base_url: points at Alpaca's live endpoint while TRADING_MODE is "
                    "paper; use the paper endpoint, or TRADING_MODE=live with its confirmation"
                ]
            return []
        problems = []
        if self.broker != "alpaca":
            problems.append("trading_mode: live trading needs BROKER=alpaca")
        if not self.live_trading_confirmation:
            problems.append(
                "live_trading_confirmation: TRADING_MODE=live needs LIVE_TRADING_CONFIRMATION "
                "set to the live account number; hedgegraph never falls back to paper silently"
            )
        return problems

    def _storage_problems(self) -> list[str]:
        urls = {
            "database_url": self.database_url,
            "checkpoint_url": self.checkpoint_url,
            "redis_url": self.redis_url,
        }
        found = (check_storage_url(key, url) for key, url in urls.items() if url is not None)
        return [problem for problem in found if problem]

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


class _OperatorSettings(Settings):
    """Settings for the operator's commands: the LLM's and data providers' keys are not needed.

    Why: ``halt`` must flatten the account even when a market-data key is missing; it needs the
    broker and the ledger only, and the broker's keys are still checked.
    """

    _CHECKS_PROVIDER_CREDENTIALS: ClassVar[bool] = False


class _PackagedSettings(Settings):
    """The packaged YAML defaults and explicit values only: no environment, .env or config dir."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, _YamlSource(settings_cls, yaml_layers(None, model=settings_cls)))


def _build(model: type[Settings], overrides: dict[str, Any]) -> Settings:
    try:
        return model(**overrides)
    except ValidationError as exc:
        origin = Provenance.capture(overrides, model=model)
        raise ConfigError(describe_validation_error(exc, model, origin_of=origin)) from None


def load_settings(**overrides: Any) -> Settings:
    """Load and validate settings; raise ``ConfigError`` naming each bad key and its source."""
    return _build(Settings, overrides)


def load_operator_settings(**overrides: Any) -> Settings:
    """As ``load_settings``, without requiring the LLM's and data providers' credentials.

    For the emergency stop and other operator commands, which use the broker and ledger only.
    """
    return _build(_OperatorSettings, overrides)


def packaged_settings(**overrides: Any) -> Settings:
    """The packaged defaults with explicit ``overrides``; the environment and files are not read.

    Why: fixtures and documentation need the defaults as shipped, whatever the operator's
    environment holds (an ambient ``RISK__MAX_POSITION_PCT`` must not change a test's limits).
    """
    return _build(_PackagedSettings, overrides)
