"""Build the research agent's guarded tool-calling chat from the LLM settings.

The same settings as the analysts' LLM (provider, model, endpoints, request timeout, retries,
concurrency, prompt cache, cost rates); the token budget is the research depth's, fresh per run.
Returns ``None`` when no LLM is configured (``LLM_PROVIDER=none``): research then runs rules-only.
"""

from __future__ import annotations

import time

from config.settings import Settings
from mazo_bridge.chat import GuardedToolChat, ToolChatProvider
from mazo_bridge.depth import DepthBudget
from tools.llm.budget import BudgetLimits, RunBudget
from tools.llm.factory import DEFAULT_MODELS, build_prompt_cache
from tools.llm.guarded import RetryPolicy
from tools.llm.limiter import ConcurrencyLimiter

__all__ = ["ResearchChatFactory", "research_chat_factory"]


class ResearchChatFactory:
    """One provider, cache and concurrency limit; a fresh budget and deadline per ``__call__``."""

    def __init__(self, settings: Settings, provider: ToolChatProvider) -> None:
        cfg = settings.llm
        self.provider = provider
        self.cache = build_prompt_cache(settings)
        self.limiter = ConcurrencyLimiter(cfg.max_concurrency)
        self.retry = RetryPolicy(
            timeout_seconds=cfg.request_timeout_seconds,
            max_attempts=cfg.max_attempts,
            backoff_seconds=cfg.retry_backoff_seconds,
        )
        self._cost = (
            cfg.run_cost_budget_usd,
            cfg.input_cost_per_1k_tokens,
            cfg.output_cost_per_1k_tokens,
        )
        self._reserve_output = cfg.max_output_tokens or 512

    def __call__(self, budget: DepthBudget) -> GuardedToolChat:
        max_cost, input_rate, output_rate = self._cost
        limits = BudgetLimits(
            max_tokens=budget.tokens,
            max_cost_usd=max_cost,
            input_cost_per_1k=input_rate,
            output_cost_per_1k=output_rate,
            reserve_output_tokens=min(self._reserve_output, budget.tokens // 4),
        )
        return GuardedToolChat(
            chat=self.provider,
            budget=RunBudget(limits),
            retry=self.retry,
            limiter=self.limiter,
            cache=self.cache,
            deadline=time.monotonic() + budget.wall_seconds,
        )


def research_chat_factory(settings: Settings) -> ResearchChatFactory | None:
    """``None`` for LLM_PROVIDER=none; the provider SDKs are imported only when one is set."""
    kind = settings.llm_provider
    if kind == "none":
        return None
    cfg = settings.llm
    model = settings.llm_model or DEFAULT_MODELS[kind]
    provider: ToolChatProvider
    if kind == "openai":
        from mazo_bridge.chat_providers import OpenAIToolChat

        provider = OpenAIToolChat(
            model=model,
            api_key=settings.openai_api_key,
            base_url=settings.openai_base_url,
            timeout_seconds=cfg.request_timeout_seconds,
            max_output_tokens=cfg.max_output_tokens,
        )
    else:
        from mazo_bridge.chat_providers import OllamaToolChat

        provider = OllamaToolChat(
            model=model, host=settings.ollama_host, timeout_seconds=cfg.request_timeout_seconds
        )
    return ResearchChatFactory(settings, provider)
