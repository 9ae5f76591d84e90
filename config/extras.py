"""Optional parts of the install (extras), checked at start-up against what the settings select.

Why extras: a local user running rules-only cycles on the embedded default needs no OpenAI SDK,
no Alpaca client, no Postgres driver and no Redis client, and importing them cost seconds at every
start. They are extras now (``pip install 'hedgegraph[llm]'`` ...). Why a check at start-up: a
setting that selects a part whose package is missing must fail before anything runs, naming the
key and the command that installs it, never halfway through a cycle with an ImportError.
"""

from __future__ import annotations

import importlib.util
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from config.settings import Settings

__all__ = ["EXTRAS", "absent_from_extra", "missing_extras"]

EXTRAS: dict[str, tuple[str, ...]] = {
    "llm": ("langchain_openai", "openai", "ollama"),
    "alpaca": ("alpaca",),
    "postgres": ("psycopg", "psycopg_pool", "langgraph.checkpoint.postgres"),
    "redis": ("redis", "langgraph.checkpoint.redis"),
    "serve": ("fastapi", "sse_starlette", "uvicorn"),
    "notify": ("apprise",),
    "backtest": ("matplotlib", "empyrical"),
}
"""Extra -> the modules it provides (pyproject.toml's [project.optional-dependencies])."""


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a parent package missing, or hidden
        return False


def _absent(modules: tuple[str, ...]) -> list[str]:
    return [m for m in modules if not _installed(m)]


def absent_from_extra(extra: str) -> list[str]:
    """The modules of ``extra`` that are not installed (empty: the extra is complete)."""
    return _absent(EXTRAS[extra])


def _problem(key: str, why: str, extra: str, absent: list[str]) -> str:
    return (
        f"{key}: {why} needs the {extra} extra (pip install 'hedgegraph[{extra}]'); "
        f"not installed: {', '.join(absent)}"
    )


def missing_extras(settings: Settings, *, providers: bool = True) -> list[str]:
    """One message per selection whose extra is not installed; ``providers=False``: the broker
    and the stores only (what ``halt`` and ``status`` need)."""
    problems = []
    wanted: list[tuple[str, str, str, tuple[str, ...]]] = []
    if settings.broker == "alpaca":
        wanted.append(("broker", "BROKER=alpaca", "alpaca", ("alpaca",)))
    for key, url in (
        ("database_url", settings.effective_database_url),
        ("checkpoint_url", settings.effective_checkpoint_url),
    ):
        if url.startswith("postgres"):
            modules = EXTRAS["postgres"] if key == "checkpoint_url" else ("psycopg",)
            wanted.append((key, "a Postgres URL", "postgres", modules))
        if url.startswith("redis"):
            wanted.append((key, "a Redis URL", "redis", EXTRAS["redis"]))
    if settings.redis_url:
        wanted.append(("redis_url", "REDIS_URL", "redis", ("redis",)))
    if settings.alerts.apprise_urls:
        wanted.append(("alerts.apprise_urls", "apprise alert URLs", "notify", EXTRAS["notify"]))
    if providers:
        if "alpaca" in settings.effective_data_providers:
            wanted.append(("data_providers", "DATA_PROVIDERS with alpaca", "alpaca", ("alpaca",)))
        chosen = {settings.llm_provider, *settings.llm.analyst_providers.values()}
        if "openai" in chosen:
            wanted.append(("llm_provider", "an openai LLM", "llm", ("langchain_openai", "openai")))
        if "ollama" in chosen:
            wanted.append(("llm_provider", "an ollama LLM", "llm", ("ollama",)))
    for key, why, extra, modules in wanted:
        if absent := _absent(modules):
            problems.append(_problem(key, why, extra, absent))
    return problems
