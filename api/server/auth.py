"""The API key: every route that reveals or moves the account needs it.

Why a generated key when none is configured: the servers we replace listened with no
authentication at all, so anyone on the network could place orders. ``serve`` without
HEDGEGRAPH_API_KEY generates a random key and prints it once (like a notebook server's token); a
local user is never left with an open server. Binding a non-loopback address needs a configured
key, since a printed key on one terminal is no way to run a shared server.

Clients send the key as ``Authorization: Bearer <key>`` or ``x-api-key: <key>`` (what
langgraph-sdk sends). It is compared in constant time and never logged or echoed.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass

from fastapi import HTTPException, Request, status
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = [
    "ApiKey",
    "KeyBeforeBody",
    "UnsafeBindError",
    "check_bind",
    "presented_key",
    "require_key",
]


class UnsafeBindError(ValueError):
    """A non-loopback address was asked for without a configured API key."""


@dataclass(frozen=True, slots=True)
class ApiKey:
    secret: str
    generated: bool = False
    """True when ``serve`` made it up at start-up (it prints it once)."""

    @classmethod
    def configured_or_generated(cls, configured: str | None) -> ApiKey:
        if configured:
            return cls(configured)
        return cls(secrets.token_urlsafe(32), generated=True)

    def matches(self, presented: str | None) -> bool:
        if not presented:
            return False
        return hmac.compare_digest(presented.encode(), self.secret.encode())

    def __repr__(self) -> str:  # never the secret, whatever prints the object
        return f"ApiKey(generated={self.generated})"


def presented_key(request: Request) -> str | None:
    """The key a request carries: ``Authorization: Bearer`` first, else ``x-api-key``."""
    authorization = request.headers.get("authorization", "")
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.headers.get("x-api-key") or None


_REFUSAL = "missing or wrong API key: send Authorization: Bearer <key> or x-api-key"


def require_key(key: ApiKey) -> Callable[[Request], Awaitable[None]]:
    """A FastAPI dependency that answers 401 (with the scheme, never the key) on a bad key."""

    async def dependency(request: Request) -> None:
        if not key.matches(presented_key(request)):
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                detail=_REFUSAL,
                headers={"WWW-Authenticate": "Bearer"},
            )

    return dependency


class KeyBeforeBody:
    """ASGI middleware: a request without the key is a 401 before any route reads its body.

    Why on top of ``require_key``: FastAPI reads and decodes a route's JSON body before it runs
    the route's dependencies, so a keyless request with a malformed body got a 422 (its body read
    and parsed for a client that may not use the server). Only ``open_paths`` (liveness,
    readiness, the API's documentation) pass without the key.
    """

    def __init__(self, app: ASGIApp, *, key: ApiKey, open_paths: Collection[str]) -> None:
        self._app = app
        self._key = key
        self._open = frozenset(open_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["path"] not in self._open
            and not self._key.matches(presented_key(Request(scope)))
        ):
            refusal = JSONResponse(
                {"detail": _REFUSAL},
                status_code=status.HTTP_401_UNAUTHORIZED,
                headers={"WWW-Authenticate": "Bearer"},
            )
            await refusal(scope, receive, send)
            return
        await self._app(scope, receive, send)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def check_bind(host: str, key: ApiKey) -> None:
    """Refuse a non-loopback bind unless the key was configured, not generated."""
    if key.generated and not _is_loopback(host):
        raise UnsafeBindError(
            f"refusing to listen on {host} with a generated API key: set HEDGEGRAPH_API_KEY "
            "(or bind 127.0.0.1)"
        )
