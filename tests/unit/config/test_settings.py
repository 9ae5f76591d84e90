"""Configuration fails loudly, naming the key, and never falls back to live or a looser limit."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.settings import ConfigError, load_settings

_ENV_NAMES = (
    "TRADING_MODE",
    "BROKER",
    "DATA_PROVIDERS",
    "DATA_DIR",
    "LLM_PROVIDER",
    "HEDGEGRAPH_CONFIG_DIR",
    "FINANCIAL_DATASETS_API_KEY",
    "RISK__MAX_POSITION_PCT",
    "TRADING_SESSION_MODE",
)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in _ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_embedded_defaults_are_paper_offline_rules_only() -> None:
    s = load_settings()
    assert s.trading_mode == "paper"
    assert s.broker == "paper"
    assert s.llm_provider == "none"
    assert s.effective_data_providers == ["offline"]
    assert s.effective_checkpoint_url.startswith("sqlite:///")
    assert s.risk.allow_shorts is False


@pytest.mark.parametrize(
    ("env", "value", "key"),
    [
        ("TRADING_MODE", "lvie", "trading_mode"),
        (
            "TRADING_MODE",
            "live",
            "trading_mode",
        ),  # live needs BROKER=alpaca: refused, not downgraded
        ("RISK__MAX_POSITION_PCT", "5", "risk.max_position_pct"),
        ("RISK__MAX_POSITION_PCT", "ten percent", "risk.max_position_pct"),
        ("TRADING_SESSION_MODE", "yolo", "trading_session_mode"),
        ("DATA_PROVIDERS", '["offline", "bloomberg"]', "data_providers"),
        ("DATA_PROVIDERS", '["csv"]', "data_dir"),
        ("BROKER", "alpaca", "apca_api_key_id"),
    ],
)
def test_malformed_env_is_rejected_naming_the_key(
    monkeypatch: pytest.MonkeyPatch, env: str, value: str, key: str
) -> None:
    monkeypatch.setenv(env, value)
    with pytest.raises(ConfigError) as raised:
        load_settings()
    assert key in str(raised.value)


def test_yaml_typo_is_rejected_not_ignored(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A misspelt limit must not silently leave the (possibly looser) default in force."""
    (tmp_path / "risk_parameters.yaml").write_text("max_positon_pct: 0.01\n")
    monkeypatch.setenv("HEDGEGRAPH_CONFIG_DIR", str(tmp_path))
    with pytest.raises(ConfigError) as raised:
        load_settings()
    assert "risk.max_positon_pct" in str(raised.value)


def test_yaml_override_tightens_a_limit(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "risk_parameters.yaml").write_text("max_position_pct: 0.02\n")
    monkeypatch.setenv("HEDGEGRAPH_CONFIG_DIR", str(tmp_path))
    s = load_settings()
    assert s.risk.max_position_pct == 0.02
    assert s.risk.max_order_notional == 25000  # the rest of the packaged file still applies


def test_environment_wins_over_yaml(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "trading_config.yaml").write_text("trading_session_mode: supervised\n")
    monkeypatch.setenv("HEDGEGRAPH_CONFIG_DIR", str(tmp_path))
    assert load_settings().trading_session_mode == "supervised"
    monkeypatch.setenv("TRADING_SESSION_MODE", "autonomous")
    assert load_settings().trading_session_mode == "autonomous"


def test_invalid_yaml_names_the_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "trading_config.yaml").write_text("universe: [AAPL\n")
    monkeypatch.setenv("HEDGEGRAPH_CONFIG_DIR", str(tmp_path))
    with pytest.raises(ConfigError, match=r"trading_config\.yaml"):
        load_settings()


def test_secrets_are_not_printed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINANCIAL_DATASETS_API_KEY", "fd-secret-123")
    s = load_settings()
    assert "fd-secret-123" not in repr(s)
    assert s.effective_data_providers == ["financialdatasets"]  # never synthetic behind real data
