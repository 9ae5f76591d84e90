"""Live gating: paper unless TRADING_MODE=live and the confirmation matches the account number;
an unconfirmed live request is an error, never a quiet swap to the public paper endpoint."""

from __future__ import annotations

import pytest

from config.settings import ConfigError, load_settings
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


def test_live_with_wrong_confirmation_is_refused_not_swapped_to_paper(
    fake: FakeAlpaca, alpaca_url: str
) -> None:
    settings = load_settings(
        **KEYS,
        trading_mode="live",
        apca_api_base_url=alpaca_url,
        live_trading_confirmation="PA-OTHER",
    )
    with pytest.raises(LiveGatingError, match="live_trading_confirmation") as raised:
        build_alpaca_broker(settings)
    assert PAPER_URL not in str(raised.value) and alpaca_url not in str(raised.value)
    assert ("GET", "/v2/account") in fake.log  # the live account was asked, and did not match


def test_live_without_confirmation_is_an_error_and_never_probes() -> None:
    with pytest.raises(ConfigError, match="live_trading_confirmation"):
        load_settings(**KEYS, trading_mode="live")
    unconfirmed = load_settings(**KEYS, trading_mode="live", live_trading_confirmation="PA1")
    unconfirmed = unconfirmed.model_copy(update={"live_trading_confirmation": None})
    with pytest.raises(LiveGatingError):  # the gate refuses too, whatever built the settings
        choose_endpoint(unconfirmed)


def test_live_mode_on_the_default_url_targets_the_live_endpoint() -> None:
    choice = choose_endpoint(
        load_settings(**KEYS, trading_mode="live", live_trading_confirmation="PA1")
    )
    assert choice.base_url == LIVE_URL and not choice.paper


def test_paper_mode_pointed_at_the_live_endpoint_is_refused() -> None:
    with pytest.raises(ConfigError, match="apca_api_base_url"):
        load_settings(**KEYS, apca_api_base_url=LIVE_URL)
    paper = load_settings(**KEYS).model_copy(update={"apca_api_base_url": LIVE_URL})
    with pytest.raises(LiveGatingError):
        choose_endpoint(paper)
