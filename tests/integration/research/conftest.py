"""Fixtures: the local research model (real HTTP, both wire formats) and agents built from
settings by the real factories over the embedded offline market."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from config.settings import Settings, load_settings
from mazo_bridge.chat_factory import research_chat_factory
from mazo_bridge.native_agent import NativeResearchAgent
from tests.fakes.research_llm_server import FakeResearchModel, running_research_model
from tools.market_data.factory import build_market_data

FAST = {
    "request_timeout_seconds": 15.0,
    "max_attempts": 2,
    "retry_backoff_seconds": 0.01,
    "cache": "none",
}


@pytest.fixture(scope="module")
def research_server() -> Iterator[FakeResearchModel]:
    with running_research_model() as fake:
        yield fake


@pytest.fixture
def model(research_server: FakeResearchModel) -> FakeResearchModel:
    research_server.reset()
    return research_server


@pytest.fixture(params=["openai", "ollama"])
def provider(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings_for(model: FakeResearchModel, tmp_path: Path) -> Callable[..., Settings]:
    def make(provider: str, **overrides: Any) -> Settings:
        llm = {**FAST, **overrides.pop("llm", {})}
        return load_settings(
            llm_provider=provider,
            llm_model="test-model",
            openai_base_url=model.openai_url,
            openai_api_key="sk-test",
            ollama_host=model.base_url,
            hedgegraph_home=tmp_path / "home",
            redis_url=None,
            llm=llm,
            **overrides,
        )

    return make


@pytest.fixture
def agent_for(settings_for: Callable[..., Settings]) -> Callable[..., NativeResearchAgent]:
    def make(provider: str, **overrides: Any) -> NativeResearchAgent:
        settings = settings_for(provider, **overrides)
        chat_for = research_chat_factory(settings)
        assert chat_for is not None
        return NativeResearchAgent(build_market_data(settings), chat_for)

    return make
