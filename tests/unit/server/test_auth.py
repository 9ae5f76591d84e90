"""The API key check on a real FastAPI app over ASGI: both header forms, constant refusal."""

from __future__ import annotations

import httpx
import pytest
from fastapi import Depends, FastAPI

from api.server.auth import ApiKey, UnsafeBindError, check_bind, require_key


def _app(key: ApiKey) -> FastAPI:
    app = FastAPI()

    @app.get("/account", dependencies=[Depends(require_key(key))])
    async def account() -> dict[str, str]:
        return {"cash": "100"}

    return app


async def _get(key: ApiKey, **headers: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=_app(key))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.get("/account", headers=headers)


@pytest.mark.parametrize(
    "headers",
    [
        {"authorization": "Bearer s3cret-key"},
        {"authorization": "bearer s3cret-key"},
        {"x-api-key": "s3cret-key"},
    ],
)
async def test_the_right_key_in_either_header_is_accepted(headers: dict[str, str]) -> None:
    response = await _get(ApiKey("s3cret-key"), **headers)
    assert response.status_code == 200 and response.json() == {"cash": "100"}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"authorization": "Bearer wrong"},
        {"authorization": "Basic s3cret-key"},
        {"x-api-key": "s3cret-ke"},
        {"x-api-key": ""},
    ],
)
async def test_a_missing_or_wrong_key_is_401_without_the_key(headers: dict[str, str]) -> None:
    response = await _get(ApiKey("s3cret-key"), **headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert "s3cret" not in response.text


def test_a_generated_key_is_random_and_never_printed_by_repr() -> None:
    first, second = ApiKey.configured_or_generated(None), ApiKey.configured_or_generated("")
    assert first.generated and second.generated and first.secret != second.secret
    assert len(first.secret) >= 32 and first.secret not in repr(first)
    assert not ApiKey.configured_or_generated("k").generated


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost"])
def test_loopback_may_use_a_generated_key(host: str) -> None:
    check_bind(host, ApiKey.configured_or_generated(None))


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.4", "trading.example"])
def test_other_addresses_need_a_configured_key(host: str) -> None:
    with pytest.raises(UnsafeBindError, match="HEDGEGRAPH_API_KEY"):
        check_bind(host, ApiKey.configured_or_generated(None))
    check_bind(host, ApiKey("configured"))
