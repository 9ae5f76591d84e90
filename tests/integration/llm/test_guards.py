"""Cache, budget, concurrency limit and per-analyst routing, over real clients and real HTTP."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from agents.analysts import ANALYSTS
from agents.analysts.base import AnalystRequest
from agents.analysts.judgement import AnalystJudgement
from config.settings import Settings
from domain import VerdictSignal, VerdictSource
from tests.fakes.llm_server import FakeLLM
from tests.unit.agents._factories import AS_OF
from tools.llm import RoutedLLM, build_llm, run_scoped
from tools.llm.cache import RedisPromptCache, SqlitePromptCache, prompt_key

from .test_fail_closed import DATA, REQUEST

pytestmark = pytest.mark.integration


async def ask(llm: RoutedLLM, user: str = "judge TEST") -> AnalystJudgement:
    return await llm.ainvoke_structured(
        system="You are a test analyst.", user=user, schema=AnalystJudgement, purpose="analyst:x"
    )


async def test_identical_call_is_served_from_the_cache(
    fake: FakeLLM, llm_for_provider: Callable[..., RoutedLLM]
) -> None:
    llm = llm_for_provider()
    first = await ask(llm)
    second = await ask(llm)
    assert first == second and fake.count == 1
    await ask(llm, user="a different prompt")
    assert fake.count == 2
    assert [c.outcome for c in llm.calls] == ["ok", "cached", "ok"]
    # a new run (fresh budget) over the same cache still pays nothing
    again = run_scoped(llm)
    assert isinstance(again, RoutedLLM)
    await ask(again)
    assert fake.count == 2 and again.calls[0].outcome == "cached"


async def test_failures_are_never_cached(
    fake: FakeLLM, llm_for_provider: Callable[..., RoutedLLM]
) -> None:
    llm = llm_for_provider()
    fake.reset(mode="garbage")
    verdict = await ANALYSTS["technicals"].analyze(REQUEST, llm)
    assert verdict.signal is VerdictSignal.NO_SIGNAL
    fake.behaviour.mode = "valid"
    verdict = await ANALYSTS["technicals"].analyze(REQUEST, llm)
    assert verdict.signal is VerdictSignal.BULLISH and verdict.source is VerdictSource.LLM
    assert fake.count == 2


async def test_sqlite_cache_survives_a_restart(
    fake: FakeLLM, settings_for: Callable[..., Settings], provider: str, tmp_path: Path
) -> None:
    first = build_llm(settings_for(provider))
    assert isinstance(first, RoutedLLM)
    await ask(first)
    assert (tmp_path / "llm_cache.sqlite").exists()
    second = build_llm(settings_for(provider))  # a new process would build exactly this
    assert isinstance(second, RoutedLLM)
    await ask(second)
    assert fake.count == 1


async def test_cache_key_covers_model_prompt_and_schema(tmp_path: Path) -> None:
    base = {"provider": "openai", "model": "m", "system": "s", "user": "u", "json_schema": {"a": 1}}
    keys = {
        prompt_key(**base),  # type: ignore[arg-type]
        prompt_key(**{**base, "model": "m2"}),  # type: ignore[arg-type]
        prompt_key(**{**base, "user": "u2"}),  # type: ignore[arg-type]
        prompt_key(**{**base, "json_schema": {"a": 2}}),  # type: ignore[arg-type]
        prompt_key(**{**base, "provider": "ollama"}),  # type: ignore[arg-type]
    }
    assert len(keys) == 5
    cache = SqlitePromptCache(tmp_path / "c.sqlite", ttl_seconds=1)
    await cache.put("k", '{"x": 1}')
    assert await cache.get("k") == '{"x": 1}'
    expired = SqlitePromptCache(tmp_path / "c.sqlite", ttl_seconds=0)
    await asyncio.sleep(0.01)
    assert await expired.get("k") is None


async def test_redis_cache_is_shared_between_builds(
    fake: FakeLLM, settings_for: Callable[..., Settings], provider: str, redis_url: str
) -> None:
    settings = settings_for(provider, cache="auto").model_copy(update={"redis_url": redis_url})
    one, two = build_llm(settings), build_llm(settings)
    assert isinstance(one, RoutedLLM) and isinstance(two, RoutedLLM)
    unique = f"judge TEST {time.time_ns()}"
    await ask(one, unique)
    await ask(two, unique)
    assert fake.count == 1 and two.calls[0].outcome == "cached"
    cache = RedisPromptCache(redis_url, ttl_seconds=60)
    assert await cache.get(two.calls[0].prompt_hash) is not None


async def test_budget_fails_closed_and_resets_per_run(
    fake: FakeLLM, llm_for_provider: Callable[..., RoutedLLM]
) -> None:
    # each call reserves ~prompt/4 + 800 output tokens and then spends 730 (the fake's usage):
    # a 2000-token budget fits two calls, and the third is refused before it is sent
    fake.reset(prompt_tokens=700)
    llm = llm_for_provider(run_token_budget=2000, cache="none")
    verdicts = [await ANALYSTS[name].analyze(REQUEST, llm) for name in ANALYSTS]
    reasons = [v.failure_reason for v in verdicts]
    assert reasons.count("budget_exhausted") >= 1
    assert all(v.signal is VerdictSignal.NO_SIGNAL for v in verdicts if v.failure_reason)
    sent = fake.count
    assert sent == sum(
        1 for v in verdicts if v.source is VerdictSource.LLM and not v.failure_reason
    )
    fresh = run_scoped(llm)
    verdict = await ANALYSTS["technicals"].analyze(REQUEST, fresh)
    assert verdict.failure_reason is None and fake.count == sent + 1


async def test_concurrency_limit_bounds_calls_in_flight(
    fake: FakeLLM, llm_for_provider: Callable[..., RoutedLLM]
) -> None:
    fake.reset(delay_seconds=0.2)
    llm = llm_for_provider(max_concurrency=2, cache="none")
    started = time.perf_counter()
    await asyncio.gather(*(ask(llm, f"prompt {i}") for i in range(6)))
    elapsed = time.perf_counter() - started
    assert fake.max_in_flight == 2
    assert elapsed >= 0.55  # three waves of 0.2 s
    fake.reset(delay_seconds=0.2)
    unbounded = llm_for_provider(max_concurrency=None, cache="none")
    await asyncio.gather(*(ask(unbounded, f"prompt {i}") for i in range(6)))
    assert fake.max_in_flight == 6


async def test_per_analyst_provider_routing(
    fake: FakeLLM, settings_for: Callable[..., Settings]
) -> None:
    settings = settings_for(
        "openai", analyst_providers={"sentiment": "ollama", "technicals": "none"}
    )
    llm = build_llm(settings)
    assert isinstance(llm, RoutedLLM)
    request = AnalystRequest(ticker="TEST", data=DATA, signals=(), research=None, as_of=AS_OF)
    tech = await ANALYSTS["technicals"].analyze(request, llm)
    fund = await ANALYSTS["fundamentals"].analyze(request, llm)
    assert tech.source is VerdictSource.RULES  # routed to none: rules-only
    assert fund.source is VerdictSource.LLM
    assert [r.api for r in fake.requests] == ["openai"]
    rules_only = build_llm(settings_for("none"))
    assert rules_only is None


def test_one_llm_serves_successive_event_loops(
    fake: FakeLLM, llm_for_provider: Callable[..., RoutedLLM]
) -> None:
    """The CLI, the API and tests run separate loops over one long-lived LLM object."""
    llm = llm_for_provider()
    first = asyncio.run(ask(llm, "loop one"))
    second = asyncio.run(ask(llm, "loop two"))
    cached = asyncio.run(ask(llm, "loop one"))
    assert first == second == cached
    assert fake.count == 2
    assert [c.outcome for c in llm.calls] == ["ok", "ok", "cached"]


def test_aclose_releases_a_loop_and_the_next_loop_reconnects(
    fake: FakeLLM, llm_for_provider: Callable[..., RoutedLLM]
) -> None:
    llm = llm_for_provider(cache="none")

    async def ask_and_close(user: str) -> AnalystJudgement:
        try:
            return await ask(llm, user)
        finally:
            await llm.aclose()

    assert asyncio.run(ask_and_close("one")) == asyncio.run(ask_and_close("two"))
    assert fake.count == 2
