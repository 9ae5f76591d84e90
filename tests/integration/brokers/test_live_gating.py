"""Live gating: paper unless TRADING_MODE=live and the confirmation matches the account number."""

from __future__ import annotations

import pytest

from config.settings import load_settings
from tests.fakes.alpaca_trading_server import FakeAlpaca
from tools.brokers.alpaca import build_alpaca_broker
from tools.brokers.live_gate import LIVE_URL, PAPER_URL, LiveGatingError, choose_endpoint

pytestmark = pytest.mark.integration
KEYS = {"broker": "alpaca", "apca_api_key_id": "k", "apca_api_secret_key": "s"}


def test_default_is_the_paper_endpoint() -> None:
    broker = build_alpaca_broker(load_settings(**KEYS))
    assert broker.paper and broker.base_url == PAPER_URL


def test_live_with_matching_confirmation_trades_live(fake: FakeAlpaca, alpaca_url: str) -> None:
    settings = load_settings(
        **KEYS,
        trading_mode="live",
        apca_api_base_url=alpaca_url,
        live_trading_confirmation=fake.account_number,
    )
    broker = build_alpaca_broker(settings)
    assert broker.paper is False
    assert broker.base_url == alpaca_url
    assert fake.account_number in broker.gating_note


def test_live_with_wrong_confirmation_falls_back_to_paper(
    fake: FakeAlpaca, alpaca_url: str
) -> None:
    settings = load_settings(
        **KEYS,
        trading_mode="live",
        apca_api_base_url=alpaca_url,
        live_trading_confirmation="PA-OTHER",
    )
    broker = build_alpaca_broker(settings)
    assert broker.paper is True
    assert broker.base_url == PAPER_URL
    assert ("GET", "/v2/account") in fake.log  # the live account was asked, and did not match


def test_live_without_confirmation_is_paper_and_never_probes() -> None:
    choice = choose_endpoint(load_settings(**KEYS, trading_mode="live"))
    assert choice.paper and choice.base_url == PAPER_URL


def test_live_mode_on_the_default_url_targets_the_live_endpoint() -> None:
    choice = choose_endpoint(
        load_settings(**KEYS, trading_mode="live", live_trading_confirmation="PA1")
    )
    assert choice.base_url == LIVE_URL and not choice.paper


def test_paper_mode_pointed_at_the_live_endpoint_is_refused() -> None:
    with pytest.raises(LiveGatingError):
        choose_endpoint(load_settings(**KEYS, apca_api_base_url=LIVE_URL))
