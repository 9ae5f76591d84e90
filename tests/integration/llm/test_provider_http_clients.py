"""The providers' HTTP clients: what they cost before the first call, and what they let through.

Real ChatOpenAI against the local fake. The fan-out's first request waits for the client to be
built, so building it must not load CA bundles again; and the HTTP pool must not become a second,
hidden concurrency limit below ``llm.max_concurrency``.
"""

from __future__ import annotations

import asyncio
import ssl
from typing import Any

import pytest
from pydantic import SecretStr

from tests.fakes.llm_server import FakeLLM
from tools.llm.ollama_provider import OllamaChatProvider
from tools.llm.openai_provider import OpenAIChatProvider
from tools.llm.provider import ChatProvider
from tools.llm.tls import shared_tls_context

pytestmark = pytest.mark.integration

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"signal": {"type": "string"}, "confidence": {"type": "number"}},
}


def provider_for(fake: FakeLLM) -> OpenAIChatProvider:
    return OpenAIChatProvider(
        model="test-model",
        api_key=SecretStr("sk-test"),
        base_url=fake.openai_url,
        timeout_seconds=30,
    )


def ollama_for(fake: FakeLLM) -> OllamaChatProvider:
    return OllamaChatProvider(model="test-model", host=fake.ollama_url, timeout_seconds=30)


@pytest.mark.parametrize("build", [provider_for, ollama_for], ids=["openai", "ollama"])
async def test_first_call_of_a_new_event_loop_loads_no_tls_context(
    fake: FakeLLM, monkeypatch: pytest.MonkeyPatch, build: Any
) -> None:
    shared_tls_context()  # the process's one context, built once (at the first provider ever used)
    built: list[object] = []
    original = ssl.create_default_context

    def counting(*args: Any, **kwargs: Any) -> ssl.SSLContext:
        built.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(ssl, "create_default_context", counting)
    provider: ChatProvider = build(fake)
    try:
        reply = await provider.complete(
            system="s", user="u", schema_name="Judgement", json_schema=SCHEMA
        )
    finally:
        await provider.aclose()
    assert reply.text
    assert built == [], "the first call built a TLS context (CA bundle loaded again)"


async def test_http_pool_lets_a_wide_fan_out_through_at_once(fake: FakeLLM) -> None:
    wide = 120  # above httpx's default pool of 100 connections
    fake.reset(delay_seconds=1.0)
    provider = provider_for(fake)
    try:
        await asyncio.gather(
            *(
                provider.complete(
                    system="s", user=f"ticker {i}", schema_name="Judgement", json_schema=SCHEMA
                )
                for i in range(wide)
            )
        )
    finally:
        await provider.aclose()
    assert fake.count == wide
    assert fake.max_in_flight == wide
