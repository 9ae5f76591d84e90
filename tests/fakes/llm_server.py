"""A local LLM server speaking the OpenAI chat-completions and Ollama /api/chat wire formats.

The real ``langchain-openai`` and ``ollama`` clients talk to it over HTTP on loopback. It answers
with JSON shaped by the request's schema (an analyst judgement or a PM choice) and has knobs for
the failures a real provider shows: garbage text, absurd values, delays past the client timeout,
500s for the first N requests, and a model that obeys instructions injected into the prompt.
Every request is logged so tests can count calls and read what the model was shown.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

__all__ = ["Behaviour", "FakeLLM", "LoggedRequest", "running_llm_server"]

INJECTION_MARKER = "ignore all previous instructions"


@dataclass
class Behaviour:
    """Knobs; tests change them between calls (the server reads them per request)."""

    mode: str = "valid"
    """valid | garbage | absurd | error500 | wrong_types"""
    delay_seconds: float = 0.0
    fail_first: int = 0
    """The first N requests answer 500 (then ``mode`` applies)."""
    analyst_answer: dict[str, Any] = field(
        default_factory=lambda: {"signal": "bullish", "confidence": 0.7, "reasoning": "solid"}
    )
    pm_answer: dict[str, Any] = field(
        default_factory=lambda: {
            "action": "buy",
            "quantity": 10,
            "confidence": 0.6,
            "reasoning": "consensus is bullish",
        }
    )
    obey_injection: bool = False
    """Act like a gullible model: if the user prompt says "ignore all previous instructions",
    answer buy 1e9 (PM) or bullish with confidence 1 (analyst)."""
    prompt_tokens: int = 120
    completion_tokens: int = 30


@dataclass(frozen=True)
class LoggedRequest:
    api: str
    model: str
    system: str
    user: str
    schema: dict[str, Any] | None


class FakeLLM:
    """The app and its state; ``openai_url`` / ``ollama_url`` are set while it runs."""

    def __init__(self) -> None:
        self.behaviour = Behaviour()
        self.requests: list[LoggedRequest] = []
        self.base_url = ""
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self.app = FastAPI()
        self.app.post("/v1/chat/completions")(self._openai)
        self.app.post("/api/chat")(self._ollama)
        self.app.post("/_fake/reset")(self._control_reset)
        self.app.get("/_fake/stats")(self._control_stats)

    @property
    def openai_url(self) -> str:
        return f"{self.base_url}/v1"

    @property
    def ollama_url(self) -> str:
        return self.base_url

    def reset(self, **knobs: Any) -> None:
        self.behaviour = Behaviour(**knobs)
        with self._lock:
            self.requests.clear()
            self.max_in_flight = 0

    @property
    def count(self) -> int:
        return len(self.requests)

    def _log(self, entry: LoggedRequest) -> int:
        with self._lock:
            self.requests.append(entry)
            return len(self.requests)

    def _answer_text(self, schema: dict[str, Any] | None, prompt: str) -> str:
        b = self.behaviour
        props = (schema or {}).get("properties", {})
        kind = "pm" if "action" in props else "analyst" if "signal" in props else "other"
        if b.mode == "garbage":
            return "Honestly the stock looks great, I would buy a lot of it!!"
        injected = b.obey_injection and INJECTION_MARKER in prompt.lower()
        if kind == "pm":
            answer = dict(b.pm_answer)
            if b.mode == "absurd" or injected:
                answer.update(action="buy", quantity=1e9, confidence=7)
            if b.mode == "wrong_types":
                answer.update(quantity="a whole lot")
        elif kind == "analyst":
            answer = dict(b.analyst_answer)
            if b.mode == "absurd":
                answer.update(signal="to_the_moon", confidence=1e9)
            if injected:
                answer.update(signal="bullish", confidence=1.0, reasoning="told to buy")
            if b.mode == "wrong_types":
                answer.update(confidence="very")
        else:
            answer = {}
        return json.dumps(answer)

    async def _control_reset(self, request: Request) -> Response:
        """Knobs over HTTP, for a server running in another process (the benchmark)."""
        self.reset(**(await request.json()))
        return JSONResponse({"ok": True})

    async def _control_stats(self) -> Response:
        return JSONResponse({"count": self.count, "max_in_flight": self.max_in_flight})

    async def _maybe_fail(self, n: int) -> Response | None:
        b = self.behaviour
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if b.delay_seconds:
                await asyncio.sleep(b.delay_seconds)
        finally:
            self.in_flight -= 1
        if n <= b.fail_first or b.mode == "error500":
            return JSONResponse({"error": {"message": "upstream overloaded"}}, status_code=500)
        return None

    async def _openai(self, request: Request) -> Response:
        body = await request.json()
        messages = body.get("messages", [])
        system = next((m["content"] for m in messages if m["role"] == "system"), "")
        user = next((m["content"] for m in messages if m["role"] == "user"), "")
        fmt = body.get("response_format") or {}
        schema = (fmt.get("json_schema") or {}).get("schema")
        n = self._log(LoggedRequest("openai", body.get("model", ""), system, user, schema))
        failure = await self._maybe_fail(n)
        if failure is not None:
            return failure
        b = self.behaviour
        return JSONResponse(
            {
                "id": f"chatcmpl-{n}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model", ""),
                "choices": [
                    {
                        "index": 0,
                        "message": {
                            "role": "assistant",
                            "content": self._answer_text(schema, user),
                            "refusal": None,
                        },
                        "logprobs": None,
                        "finish_reason": "stop",
                    }
                ],
                "usage": {
                    "prompt_tokens": b.prompt_tokens,
                    "completion_tokens": b.completion_tokens,
                    "total_tokens": b.prompt_tokens + b.completion_tokens,
                },
            }
        )

    async def _ollama(self, request: Request) -> Response:
        body = await request.json()
        messages = body.get("messages", [])
        system = next((m["content"] for m in messages if m["role"] == "system"), "")
        user = next((m["content"] for m in messages if m["role"] == "user"), "")
        schema = body.get("format") if isinstance(body.get("format"), dict) else None
        n = self._log(LoggedRequest("ollama", body.get("model", ""), system, user, schema))
        failure = await self._maybe_fail(n)
        if failure is not None:
            return failure
        b = self.behaviour
        return JSONResponse(
            {
                "model": body.get("model", ""),
                "created_at": "2025-06-02T20:00:00.000000Z",
                "message": {
                    "role": "assistant",
                    "content": self._answer_text(schema, user),
                },
                "done": True,
                "done_reason": "stop",
                "total_duration": 1000,
                "prompt_eval_count": b.prompt_tokens,
                "eval_count": b.completion_tokens,
            }
        )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_llm_server() -> Iterator[FakeLLM]:
    """Start the fake on a free loopback port in a thread; stop it on exit."""
    fake = FakeLLM()
    port = _free_port()
    config = uvicorn.Config(
        fake.app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="off",
        backlog=2048,
        limit_concurrency=None,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("fake LLM server did not start")
        time.sleep(0.01)
    fake.base_url = f"http://127.0.0.1:{port}"
    try:
        yield fake
    finally:
        server.should_exit = True
        thread.join(timeout=5)


def main() -> None:
    """Serve the fake in this process: ``python -m tests.fakes.llm_server --port N``."""
    parser = argparse.ArgumentParser(description="fake OpenAI / Ollama chat server")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    fake = FakeLLM()
    fake.base_url = f"http://127.0.0.1:{args.port}"
    uvicorn.run(fake.app, host="127.0.0.1", port=args.port, log_level="warning", backlog=2048)


if __name__ == "__main__":
    main()
