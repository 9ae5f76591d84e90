"""The nested settings sections: risk limits, thresholds, paper broker, caches, LLM guard rails.

Why every section refuses ``inf`` and ``nan``: ``RISK__MAX_ORDER_NOTIONAL=inf`` passes ``gt=0`` and
makes the limit disappear. Unknown keys are refused too, so a misspelt limit never leaves a
(possibly looser) default in force.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from config.tickers import parse_ticker
from config.values import LLMProviderName, casefold_choice
from domain.caps import ExposureCaps

__all__ = [
    "CacheConfig",
    "LLMConfig",
    "OfflineDataConfig",
    "PaperBrokerConfig",
    "ResearchPolicy",
    "RiskParameters",
    "ScheduleConfig",
    "Section",
    "Thresholds",
]


class Section(BaseModel):
    """Base of every section: frozen, no unknown keys, no infinities or NaN."""

    # No ``use_attribute_docstrings``: it parses this file at import; config/env_example.py
    # reads the field docstrings when it renders them.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class RiskParameters(Section):
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
    market_hours_policy: Annotated[
        Literal["regular_hours", "any"], BeforeValidator(casefold_choice)
    ] = "regular_hours"
    symbol_cooldown_seconds: int = Field(default=3600, ge=0)
    monitor_heartbeat_max_age_seconds: int = Field(default=180, ge=10)
    """A position-monitor heartbeat older than this, while positions are open, blocks entries
    (``monitor_stale``); no heartbeat at all (no scheduler has run the monitor) does not."""
    max_orders_per_minute: int = Field(default=30, ge=1)
    pdt_min_equity: float = Field(default=25000, ge=0)
    pdt_max_day_trades: int = Field(default=3, ge=0)
    daily_loss_warning_fraction: float = Field(default=0.75, gt=0, lt=1)
    symbol_sectors: dict[str, str] = Field(default_factory=dict)
    """Symbol -> sector for max_sector_pct; unlisted symbols are their own bucket."""

    @field_validator("symbol_sectors")
    @classmethod
    def _symbols_are_tickers(cls, sectors: dict[str, str]) -> dict[str, str]:
        return {parse_ticker(symbol): sector for symbol, sector in sectors.items()}

    def caps_at(self, equity: Decimal) -> ExposureCaps:
        """These limits in money at ``equity``: what the PM's envelope and the gate both read."""
        return ExposureCaps.at_equity(
            equity,
            position_pct=self.max_position_pct,
            order_notional=self.max_order_notional,
            gross_pct=self.max_gross_exposure_pct,
            net_pct=self.max_net_exposure_pct,
            sector_pct=self.max_sector_pct,
            cash_reserve_pct=self.min_cash_reserve_pct,
        )


class Thresholds(Section):
    """Scores and confidences the strategies, analysts and portfolio manager must reach."""

    min_signal_confidence: float = Field(ge=0, le=1)
    buy_score: float = Field(gt=0, le=1)
    sell_score: float = Field(ge=-1, lt=0)
    min_analyst_coverage: int = Field(ge=1)


class ResearchPolicy(Section):
    """Which research backend validates candidates, how deep, and what unavailable means."""

    unavailable_policy: Annotated[
        Literal["fail_closed", "proceed"], BeforeValidator(casefold_choice)
    ] = "fail_closed"
    backend: Annotated[Literal["rules", "native", "external"], BeforeValidator(casefold_choice)] = (
        "rules"
    )
    """rules: the trend/news check; native: the research agent (rules-only with no LLM);
    external: a Mazo service at ``external_url`` or ``external_command``."""
    depth: Annotated[Literal["quick", "standard", "deep"], BeforeValidator(casefold_choice)] = (
        "quick"
    )
    max_parallel: int = Field(default=4, ge=1, le=32)
    """Candidates researched at once."""
    timeout_seconds: float = Field(default=60.0, gt=0, le=900)
    """Wall time for one candidate's research (caps the depth's own budget)."""
    external_url: str | None = None
    external_command: list[str] = Field(default_factory=list)
    """Argv of an external research command (question as JSON on stdin, answer on stdout)."""


class PaperBrokerConfig(Section):
    """The local paper broker's account (BROKER=paper)."""

    starting_cash: float = Field(gt=0)
    slippage_bps: float = Field(ge=0, le=500)


class OfflineDataConfig(Section):
    """The deterministic synthetic market (DATA_PROVIDERS=offline)."""

    seed: int = 7
    history_days: int = Field(default=420, ge=60)


class CacheConfig(Section):
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


class ScheduleConfig(Section):
    """When the scheduler runs its jobs (graph/schedule/): cycle, monitor, checks, reports."""

    timezone: str = "America/New_York"
    trading_cycle_cron: str = "35 9 * * 1-5"
    position_monitor_interval_seconds: int = Field(default=60, ge=5)
    # Added with the scheduler daemon (issue 15); defaults keep older YAML overlays valid.
    embedded: bool = False
    """Run the scheduler inside ``hedgegraph serve`` too (leases keep one runner per slot)."""
    trading_cycle_enabled: bool = True
    position_monitor_enabled: bool = True
    health_check_enabled: bool = True
    health_check_cron: str = "0 9 * * 1-5"
    reconcile_enabled: bool = True
    reconcile_cron: str = "0 8,17 * * 1-5"
    eod_report_enabled: bool = True
    eod_report_minutes_after_close: int = Field(default=10, ge=0, le=600)
    """The report fires this long after each session's close (early closes honoured)."""
    retention_enabled: bool = True
    retention_cron: str = "30 2 * * *"
    misfire_grace_seconds: int = Field(default=300, ge=1)
    """A slot found this late (the process was down or busy) still runs; later ones are skipped."""
    coalesce: bool = True
    """Several missed slots of one job run once, for the newest slot."""
    lease_seconds: int = Field(default=900, ge=10)
    """How long a job's lease lives without renewal (a crashed holder frees it after this)."""

    @field_validator("trading_cycle_cron", "health_check_cron", "reconcile_cron", "retention_cron")
    @classmethod
    def _five_field_cron(cls, value: str) -> str:
        if len(value.split()) != 5:
            raise ValueError(f"{value!r} is not a five-field cron expression")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value


class LLMConfig(Section):
    """LLM guard rails (trading_config.yaml ``llm:``; env ``LLM__MAX_CONCURRENCY`` and so on)."""

    request_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    max_attempts: int = Field(default=3, ge=1, le=10)
    """Attempts per call, first included; only timeouts, 5xx, 429 and dropped connections retry."""
    retry_backoff_seconds: float = Field(default=0.5, ge=0, le=60)
    max_concurrency: int | None = Field(default=128, ge=1)
    """LLM calls in flight at once across the run; null means unbounded. 128 from measurement
    (``tests.bench.cycle_performance --sections limits``): a 5-ticker cycle with every analyst
    makes 68 analyst calls; 8 sent them in 9 waves, 64 in two (2.5x the critical path), 128 in
    one (2.1x on a busy machine); 256 and unbounded gained nothing more. Lower it for providers
    with tight rate limits (a 429 is retried with backoff under the same limit)."""
    run_token_budget: int = Field(default=250_000, ge=1)
    run_cost_budget_usd: float = Field(default=2.0, gt=0)
    token_budget_per_call: int = Field(default=4_000, ge=0)
    """Tokens each planned LLM call (ticker x analyst, PM decision) adds to the run's budget."""
    cost_budget_per_call_usd: float = Field(default=0.02, ge=0)
    """Cost each planned LLM call adds to the run's budget."""
    input_cost_per_1k_tokens: float = Field(default=0.0, ge=0)
    output_cost_per_1k_tokens: float = Field(default=0.0, ge=0)
    max_output_tokens: int = Field(default=800, ge=16)
    cache: Annotated[
        Literal["auto", "sqlite", "redis", "none"], BeforeValidator(casefold_choice)
    ] = "auto"
    """auto: Redis when REDIS_URL is set, else SQLite under HEDGEGRAPH_HOME."""
    cache_ttl_seconds: int = Field(default=7 * 86400, ge=1)
    analyst_providers: dict[str, LLMProviderName] = Field(default_factory=dict)
    """Per-analyst override of LLM_PROVIDER (``none`` keeps that analyst rules-only)."""
    analyst_models: dict[str, str] = Field(default_factory=dict)
    """Per-analyst override of LLM_MODEL."""
