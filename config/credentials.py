"""Each selected provider's credentials, checked at start-up.

Why: ``LLM_PROVIDER=openai`` without ``OPENAI_API_KEY`` used to start and then record a
no-signal verdict for every analyst; a missing key is a configuration error, named as the
variable the user has to set.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import SecretStr

if TYPE_CHECKING:
    from config.settings import Settings

__all__ = ["missing_credentials"]

_APCA = ("apca_api_key_id", "apca_api_secret_key")


def _unset(settings: Settings, names: tuple[str, ...]) -> list[str]:
    """Names whose secret is missing or blank (``OPENAI_API_KEY=`` in a copied .env)."""
    return [name for name in names if not _has_secret(getattr(settings, name))]


def _has_secret(value: SecretStr | None) -> bool:
    return value is not None and bool(value.get_secret_value().strip())


def _problem(why: str, missing: list[str]) -> str:
    names = " and ".join(name.upper() for name in missing)
    return f"{missing[0]}: {why} needs {names} (not set)"


def missing_credentials(settings: Settings, *, providers: bool = True) -> list[str]:
    """One message per selection that lacks a credential; ``providers=False``: the broker only."""
    problems = []
    if settings.broker == "alpaca" and (missing := _unset(settings, _APCA)):
        problems.append(_problem("BROKER=alpaca", missing))
    if not providers:
        return problems
    data = settings.effective_data_providers
    if "alpaca" in data and settings.broker != "alpaca" and (missing := _unset(settings, _APCA)):
        problems.append(_problem("DATA_PROVIDERS with alpaca", missing))
    if "financialdatasets" in data and not _has_secret(settings.financial_datasets_api_key):
        problems.append(
            _problem("DATA_PROVIDERS with financialdatasets", ["financial_datasets_api_key"])
        )
    llm_users = []
    if settings.llm_provider == "openai":
        llm_users.append("LLM_PROVIDER=openai")
    llm_users += [
        f"llm.analyst_providers.{analyst}=openai"
        for analyst, provider in settings.llm.analyst_providers.items()
        if provider == "openai"
    ]
    if llm_users and not _has_secret(settings.openai_api_key):
        problems.append(_problem(", ".join(llm_users), ["openai_api_key"]))
    return problems
