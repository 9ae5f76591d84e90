"""An adapter for an external Mazo research service: an HTTP endpoint or a command.

Optional by design: nothing imports this module until ``research.backend`` is ``external``, and
any failure (unreachable, timeout, non-zero exit, missing binary, an answer that is not the
expected JSON) is an ``unavailable`` finding with the reason, which the configured policy (fail
closed by default) decides on. It never raises into a trading cycle.

The exchange is one JSON object each way. Request: ``question``, ``ticker``, ``thesis``,
``as_of``, ``depth`` and the candidate's ``signals``. Answer: ``stance`` (agrees / disagrees, or
bullish / bearish / neutral, read against the thesis), ``confidence`` in [0, 1], ``summary``,
``sources`` and an optional ``reason``; unknown keys are refused.

Files: the adapter writes none itself. A command runs with its working directory, ``HOME`` and
``TMPDIR`` inside ``HEDGEGRAPH_HOME/research/external`` so what it writes stays in the home.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from config.settings import Settings
from domain import MarketSnapshot, ResearchFinding, ResearchStance, StrategySignal
from mazo_bridge.candidate_research import Thesis, candidate_question, thesis_of

__all__ = ["ExternalReply", "ExternalResearchService"]

_TAIL = 300


class ExternalReply(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    stance: Literal["agrees", "disagrees", "bullish", "bearish", "neutral"]
    confidence: float = Field(ge=0.0, le=1.0)
    summary: str = ""
    sources: list[str] = Field(default_factory=list)
    reason: str = ""
    key_points: list[str] = Field(default_factory=list, max_length=20)
    """Optional: the answer's key points (shown to the analysts and the PM, kept in the audit)."""
    risks: list[str] = Field(default_factory=list, max_length=20)


class _Unavailable(Exception):
    """Why the external service gave no usable answer."""


_OUTLOOK: dict[str, Literal["bullish", "bearish", "neutral"]] = {
    "bullish": "bullish",
    "bearish": "bearish",
    "neutral": "neutral",
}
"""A reply in the research's own terms keeps them as the finding's outlook."""


def _stance(reply: ExternalReply, thesis: Thesis) -> ResearchStance:
    if reply.stance in ("agrees", "disagrees"):
        return ResearchStance(reply.stance)
    wanted = "bullish" if thesis == "long" else "bearish"
    return ResearchStance.AGREES if reply.stance == wanted else ResearchStance.DISAGREES


def _parse(text: str) -> ExternalReply:
    try:
        return ExternalReply.model_validate_json(text.strip())
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "answer"
        raise _Unavailable(f"unusable answer ({where}: {first['msg']}): {text[:80]!r}") from exc


class ExternalResearchService:
    """``ResearchService`` over an external endpoint (``external_url``) or command."""

    name = "external-research"

    def __init__(self, settings: Settings) -> None:
        cfg = settings.research
        self.url = cfg.external_url
        self.command = list(cfg.external_command)
        self.timeout = cfg.timeout_seconds
        self.depth = cfg.depth
        self.workdir = settings.hedgegraph_home / "research" / "external"

    def validate(
        self, ticker: str, signals: list[StrategySignal], snapshot: MarketSnapshot
    ) -> ResearchFinding:
        thesis = thesis_of(signals)
        if thesis is None:
            return ResearchFinding(
                ticker=ticker,
                stance=ResearchStance.DISAGREES,
                summary="strategy signals are split; no thesis to validate",
                confidence=0.5,
                reason="no thesis",
            )
        request = {
            "question": candidate_question(ticker, thesis, snapshot),
            "ticker": ticker,
            "thesis": thesis,
            "as_of": snapshot.as_of.isoformat(),
            "depth": self.depth,
            "signals": [s.model_dump(mode="json") for s in signals],
        }
        try:
            reply = _parse(self._ask(request))
        except _Unavailable as exc:
            return ResearchFinding(
                ticker=ticker,
                stance=ResearchStance.UNAVAILABLE,
                reason=f"external research unavailable: {exc}",
            )
        except Exception as exc:  # never into the cycle: any surprise is an unavailable finding
            return ResearchFinding(
                ticker=ticker,
                stance=ResearchStance.UNAVAILABLE,
                reason=f"external research unavailable: {type(exc).__name__}: {exc}",
            )
        return ResearchFinding(
            ticker=ticker,
            stance=_stance(reply, thesis),
            summary=reply.summary,
            sources=tuple(reply.sources),
            confidence=reply.confidence,
            reason=reply.reason or f"external research: {reply.stance} vs a {thesis} thesis",
            outlook=_OUTLOOK.get(reply.stance),
            key_points=tuple(reply.key_points),
            risks=tuple(reply.risks),
        )

    def _ask(self, request: dict[str, Any]) -> str:
        if self.url:
            return self._post(request)
        if self.command:
            return self._run(request)
        raise _Unavailable("research.external_url or research.external_command is not set")

    def _post(self, request: dict[str, Any]) -> str:
        import httpx

        assert self.url is not None
        try:
            response = httpx.post(self.url, json=request, timeout=self.timeout)
        except httpx.TimeoutException as exc:
            raise _Unavailable(f"no answer from {self.url} within {self.timeout:g} s") from exc
        except httpx.HTTPError as exc:
            raise _Unavailable(f"{self.url}: {type(exc).__name__}: {exc}") from exc
        if response.status_code != 200:
            raise _Unavailable(
                f"{self.url} answered {response.status_code}: {response.text[:_TAIL]}"
            )
        return response.text

    def _run(self, request: dict[str, Any]) -> str:
        self.workdir.mkdir(parents=True, exist_ok=True)
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(self.workdir),
            "TMPDIR": str(self.workdir),
            "LANG": "C.UTF-8",
        }
        try:
            done = subprocess.run(
                self.command,
                input=json.dumps(request),
                capture_output=True,
                text=True,
                timeout=self.timeout,
                cwd=Path(self.workdir),
                env=env,
                check=False,
            )
        except FileNotFoundError as exc:
            raise _Unavailable(f"command not found: {self.command[0]}") from exc
        except PermissionError as exc:
            raise _Unavailable(f"command not executable: {self.command[0]}") from exc
        except subprocess.TimeoutExpired as exc:
            raise _Unavailable(f"command gave no answer within {self.timeout:g} s") from exc
        if done.returncode != 0:
            raise _Unavailable(
                f"command exited with status {done.returncode}: {done.stderr.strip()[-_TAIL:]}"
            )
        return done.stdout
