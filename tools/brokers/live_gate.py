"""Live gating: which Alpaca endpoint a process may trade on.

Paper is the default. Live needs TRADING_MODE=live *and* LIVE_TRADING_CONFIRMATION equal to the
account number the live endpoint reports. Why the account number: it proves the operator knows
which real account is about to be traded. A live request that is not confirmed (no confirmation,
or one that does not match) is an error, never a quiet swap to paper: the operator asked for
live, and a custom APCA_API_BASE_URL must not be replaced by the public paper endpoint.
"""

from __future__ import annotations

from dataclasses import dataclass

from config.settings import ConfigError, Settings

__all__ = [
    "LIVE_URL",
    "PAPER_URL",
    "EndpointChoice",
    "LiveGatingError",
    "choose_endpoint",
    "confirm_live",
]

PAPER_URL = "https://paper-api.alpaca.markets"
LIVE_URL = "https://api.alpaca.markets"


class LiveGatingError(ConfigError, ValueError):
    """The settings point a paper session at the live endpoint (or similar); refuse to start."""


@dataclass(frozen=True, slots=True)
class EndpointChoice:
    base_url: str
    paper: bool
    note: str


def _same(a: str, b: str) -> bool:
    return a.rstrip("/").lower() == b.rstrip("/").lower()


def choose_endpoint(settings: Settings) -> EndpointChoice:
    """The endpoint before any probe: paper unless live is asked for (still to be confirmed)."""
    url = settings.apca_api_base_url
    if settings.trading_mode != "live":
        if _same(url, LIVE_URL):
            raise LiveGatingError(
                "apca_api_base_url: points at the live endpoint while TRADING_MODE is paper"
            )
        return EndpointChoice(url, True, "paper trading (default)")
    live_url = LIVE_URL if _same(url, PAPER_URL) else url
    if not settings.live_trading_confirmation:
        raise LiveGatingError(
            "live_trading_confirmation: TRADING_MODE=live needs LIVE_TRADING_CONFIRMATION"
        )
    return EndpointChoice(live_url, False, "live requested; confirmation pending")


def confirm_live(choice: EndpointChoice, settings: Settings, account_number: str) -> EndpointChoice:
    """Keep live only when the confirmation matches the live account's number."""
    if choice.paper:
        return choice
    if settings.live_trading_confirmation == account_number:
        return EndpointChoice(
            choice.base_url, False, f"live trading confirmed for {account_number}"
        )
    raise LiveGatingError(
        "live_trading_confirmation: does not match the live account's number; refusing to start"
    )
