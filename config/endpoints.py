"""Checks on the URLs in settings: storage URLs by scheme, and whether an endpoint is on loopback.

Why at load time: ``DATABASE_URL=garbage`` used to surface as a traceback deep in SQLAlchemy; a
``ConfigError`` naming the key is what an operator can act on. The loopback test is what the test
suite uses to refuse to run against anything but local fakes.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from config.settings import Settings

__all__ = [
    "PUBLIC_LIVE_URL",
    "check_storage_url",
    "endpoints_in_use",
    "is_live_trading_url",
    "is_loopback_url",
]

PUBLIC_LIVE_URL = "https://api.alpaca.markets"
"""Alpaca's live trading endpoint (real money)."""
PUBLIC_DATA_URL = "https://data.alpaca.markets"
"""alpaca-py's market-data endpoint when APCA_API_DATA_URL is not set."""
PUBLIC_OPENAI_URL = "https://api.openai.com/v1"
"""The OpenAI client's endpoint when OPENAI_BASE_URL is not set."""

_STORAGE_SCHEMES: dict[str, tuple[str, ...]] = {
    "database_url": ("sqlite", "postgresql", "postgres"),
    "checkpoint_url": ("sqlite", "postgresql", "postgres", "redis", "rediss"),
    "redis_url": ("redis", "rediss", "unix"),
}
_EXAMPLES = {
    "database_url": "sqlite:///FILE or postgresql://USER@HOST:PORT/DB",
    "checkpoint_url": "sqlite:///FILE, postgresql://USER@HOST:PORT/DB or redis://HOST:PORT/0",
    "redis_url": "redis://HOST:PORT/0",
}


def check_storage_url(key: str, url: str) -> str | None:
    """A complaint about ``url`` for setting ``key``, or ``None`` when it is usable.

    The complaint never repeats the URL: it may hold a password.
    """
    expected = f"expected {_EXAMPLES[key]}"
    if not url.strip() or any(ch.isspace() for ch in url):
        return f"{key}: not a URL; {expected}"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (parsing the port is the check)
    except ValueError:
        return f"{key}: not a valid URL; {expected}"
    scheme = parts.scheme.lower().split("+", 1)[0]
    if scheme not in _STORAGE_SCHEMES[key]:
        if not parts.scheme:
            return f"{key}: not a URL (no scheme); {expected}"
        return f"{key}: unsupported scheme {parts.scheme!r}; {expected}"
    if scheme == "sqlite":
        rest = url.split(":", 1)[1]
        if rest not in ("//", "///:memory:") and (not rest.startswith("///") or len(rest) == 3):
            return f"{key}: a sqlite URL needs a file: sqlite:///FILE"
    elif scheme != "unix" and not parts.hostname:
        return f"{key}: no host in the URL; {expected}"
    return None


def is_loopback_url(url: str) -> bool:
    """True when ``url``'s host is localhost or a loopback address."""
    try:
        host = urlsplit(url if "//" in url else f"//{url}").hostname
    except ValueError:
        return False
    if host is None:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_live_trading_url(url: str) -> bool:
    """True for Alpaca's public live endpoint (any path, any case, trailing slash or not)."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return False
    return host == urlsplit(PUBLIC_LIVE_URL).hostname


def endpoints_in_use(settings: Settings) -> dict[str, str]:
    """Setting name -> URL of every remote endpoint these settings would talk to.

    Only selected providers count: the paper broker, the offline market and rules-only analysts
    talk to nobody. A provider left on its public default shows that default.
    """
    used: dict[str, str] = {}
    if settings.broker == "alpaca":
        used["apca_api_base_url"] = settings.apca_api_base_url
    data = settings.effective_data_providers
    if "alpaca" in data:
        used["apca_api_data_url"] = settings.apca_api_data_url or PUBLIC_DATA_URL
    if "financialdatasets" in data:
        used["financial_datasets_base_url"] = settings.financial_datasets_base_url
    providers = {settings.llm_provider, *settings.llm.analyst_providers.values()}
    if "openai" in providers:
        used["openai_base_url"] = settings.openai_base_url or PUBLIC_OPENAI_URL
    if "ollama" in providers:
        used["ollama_host"] = settings.ollama_host
    return used
