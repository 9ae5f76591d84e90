"""Fixtures: the fake LLM server (real HTTP, real clients) and LLMs built by the real factory."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from config.settings import Settings, load_settings
from tests.fakes.llm_server import FakeLLM, running_llm_server
from tools.llm import RoutedLLM, build_llm

FAST = {
    "request_timeout_seconds": 15.0,  # generous: the machine is shared; timeouts are tested apart
    "max_attempts": 2,
    "retry_backoff_seconds": 0.01,
    "max_concurrency": 8,
    "cache": "sqlite",
}


@pytest.fixture(scope="module")
def llm_server() -> Iterator[FakeLLM]:
    with running_llm_server() as fake:
        yield fake


@pytest.fixture
def fake(llm_server: FakeLLM) -> FakeLLM:
    llm_server.reset()
    return llm_server


@pytest.fixture(params=["openai", "ollama"])
def provider(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings_for(fake: FakeLLM, tmp_path: Path) -> Callable[..., Settings]:
    def make(provider: str, **llm: Any) -> Settings:
        return load_settings(
            llm_provider=provider,
            llm_model="test-model",
            openai_base_url=fake.openai_url,
            openai_api_key="sk-test",
            ollama_host=fake.ollama_url,
            hedgegraph_home=tmp_path,
            redis_url=None,
            llm={**FAST, **llm},
        )

    return make


@pytest.fixture
def llm_for_provider(
    provider: str, settings_for: Callable[..., Settings]
) -> Callable[..., RoutedLLM]:
    def make(**llm: Any) -> RoutedLLM:
        built = build_llm(settings_for(provider, **llm))
        assert isinstance(built, RoutedLLM)
        return built

    return make
