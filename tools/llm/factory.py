"""Build the run's StructuredLLM from settings: providers, shared cache and concurrency limit."""

from __future__ import annotations

from config.settings import ConfigError, Settings
from tools.llm.base import StructuredLLM
from tools.llm.budget import BudgetLimits
from tools.llm.cache import PromptCache, RedisPromptCache, SqlitePromptCache
from tools.llm.guarded import GuardedLLM, RetryPolicy
from tools.llm.limiter import ConcurrencyLimiter
from tools.llm.provider import ChatProvider
from tools.llm.routing import RoutedLLM

__all__ = ["DEFAULT_MODELS", "build_llm", "build_prompt_cache"]

DEFAULT_MODELS = {"openai": "gpt-4o-mini", "ollama": "llama3.1"}


def build_prompt_cache(settings: Settings) -> PromptCache | None:
    """Redis when configured (or ``auto`` with REDIS_URL), SQLite under HEDGEGRAPH_HOME, or none."""
    cfg = settings.llm
    if cfg.cache == "none":
        return None
    if cfg.cache == "redis" or (cfg.cache == "auto" and settings.redis_url):
        if not settings.redis_url:
            raise ConfigError("llm.cache: redis needs REDIS_URL")
        return RedisPromptCache(settings.redis_url, ttl_seconds=cfg.cache_ttl_seconds)
    return SqlitePromptCache(
        settings.hedgegraph_home / "llm_cache.sqlite", ttl_seconds=cfg.cache_ttl_seconds
    )


def _provider(settings: Settings, kind: str, model: str | None) -> ChatProvider:
    cfg = settings.llm
    name = model or settings.llm_model or DEFAULT_MODELS[kind]
    # Imported here: the SDKs are the llm extra, and cost about 1.5 s to import, which a
    # rules-only cycle must not pay (config.extras checked at start-up that they are there).
    if kind == "openai":
        from tools.llm.openai_provider import OpenAIChatProvider

        return OpenAIChatProvider(
            model=name,
            api_key=settings.openai_api_key,
            base_url=settings.openai_base_url,
            timeout_seconds=cfg.request_timeout_seconds,
            max_output_tokens=cfg.max_output_tokens,
        )
    from tools.llm.ollama_provider import OllamaChatProvider

    return OllamaChatProvider(
        model=name, host=settings.ollama_host, timeout_seconds=cfg.request_timeout_seconds
    )


def build_llm(settings: Settings) -> StructuredLLM | None:
    """``None`` for LLM_PROVIDER=none with no per-analyst providers (rules-only everywhere).

    Otherwise a RoutedLLM: the default provider serves the PM and every analyst without an
    override. Call ``tools.llm.run_scoped`` on it once per run for a fresh token/cost budget.
    """
    cfg = settings.llm
    wanted = {settings.llm_provider, *cfg.analyst_providers.values()} - {"none"}
    if not wanted:
        return None
    cache = build_prompt_cache(settings)
    limiter = ConcurrencyLimiter(cfg.max_concurrency)
    limits = BudgetLimits(
        max_tokens=cfg.run_token_budget,
        max_cost_usd=cfg.run_cost_budget_usd,
        input_cost_per_1k=cfg.input_cost_per_1k_tokens,
        output_cost_per_1k=cfg.output_cost_per_1k_tokens,
        reserve_output_tokens=cfg.max_output_tokens,
        tokens_per_call=cfg.token_budget_per_call,
        cost_per_call_usd=cfg.cost_budget_per_call_usd,
    )
    retry = RetryPolicy(
        timeout_seconds=cfg.request_timeout_seconds,
        max_attempts=cfg.max_attempts,
        backoff_seconds=cfg.retry_backoff_seconds,
    )
    built: dict[tuple[str, str | None], GuardedLLM] = {}

    def guarded(kind: str, model: str | None) -> GuardedLLM | None:
        if kind == "none":
            return None
        if (kind, model) not in built:
            built[(kind, model)] = GuardedLLM(
                _provider(settings, kind, model),
                cache=cache,
                limiter=limiter,
                budget=limits,
                retry=retry,
            )
        return built[(kind, model)]

    default = guarded(settings.llm_provider, None)
    routes = {
        name: guarded(kind, cfg.analyst_models.get(name))
        for name, kind in cfg.analyst_providers.items()
    }
    for name, model in cfg.analyst_models.items():
        if name not in routes and settings.llm_provider != "none":
            routes[name] = guarded(settings.llm_provider, model)
    return RoutedLLM(default, routes)
