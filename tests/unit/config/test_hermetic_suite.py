"""The suite is hermetic (issue 9, item 13): no ambient trading settings, no .env, no remote
endpoints, and the unit-test fixtures take their limits from explicit values."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from config.settings import load_settings
from tests.conftest import NonLoopbackConnectionError, make_hermetic, non_loopback_endpoints

ROOT = Path(__file__).resolve().parents[3]

_INNER_TEST = """
import os
from config.settings import load_settings
from tests.unit.risk.factory import limits


def test_inside_the_guarded_suite():
    leaked = sorted(n for n in os.environ if n.startswith(("APCA_", "RISK__", "BROKER")))
    assert leaked == []
    settings = load_settings()
    assert settings.broker == "paper"
    assert settings.apca_api_key_id is None
    assert settings.risk.max_position_pct == 0.1
    assert limits().max_position_pct == 0.1
"""


def test_a_dotenv_with_broker_keys_and_ambient_limits_never_reach_the_tests(
    tmp_path: Path,
) -> None:
    """A user's .env (broker keys) in the working directory plus ambient RISK__ and APCA_
    variables: a test run under the suite's conftest sees none of them."""
    (tmp_path / ".env").write_text(
        "BROKER=alpaca\nAPCA_API_KEY_ID=real-key\nAPCA_API_SECRET_KEY=real-secret\n"
        "RISK__MAX_POSITION_PCT=0.9\n"
    )
    (tmp_path / "test_inner.py").write_text(textwrap.dedent(_INNER_TEST))
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("HEDGEGRAPH_ENV_FILE",)},
        "PYTHONPATH": str(ROOT),
        "RISK__MAX_POSITION_PCT": "0.05",
        "APCA_API_KEY_ID": "ambient-key",
        "BROKER": "alpaca",
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "tests.conftest",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(tmp_path),
            "test_inner.py",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_make_hermetic_clears_every_ambient_setting_and_turns_dotenv_off() -> None:
    environ = {
        "APCA_API_KEY_ID": "k",
        "OPENAI_API_KEY": "k",
        "FINANCIAL_DATASETS_API_KEY": "k",
        "HEDGEGRAPH_HOME": "/home/me/.hedgegraph",
        "RISK__MAX_POSITION_PCT": "0.05",
        "THRESHOLDS__BUY_SCORE": "0.01",
        "PAPER__STARTING_CASH": "1",
        "ALERTS__WEBHOOKS": "https://hooks.example",
        "LLM_PROVIDER": "openai",
        "DATA_PROVIDERS": "alpaca",
        "BROKER": "alpaca",
        "TRADING_MODE": "live",
        "AUTO_TRADING_ENABLED": "true",
        "WORKFLOW_MODE": "signal",
        "ANALYSTS": "all",
        "UNIVERSE": "GME",
        "LIVE_TRADING_CONFIRMATION": "PA1",
        "DATABASE_URL": "postgresql://prod",
        "CHECKPOINT_URL": "postgresql://prod",
        "REDIS_URL": "redis://prod",
        "OLLAMA_HOST": "http://gpu-box:11434",
        "PATH": "/usr/bin",
        "HOME": "/root",
    }
    make_hermetic(environ)
    assert environ == {"PATH": "/usr/bin", "HOME": "/root", "HEDGEGRAPH_ENV_FILE": ""}


def test_the_suite_runs_with_dotenv_off_and_no_ambient_settings() -> None:
    assert os.environ.get("HEDGEGRAPH_ENV_FILE") == ""


KEYS = {"apca_api_key_id": "id", "apca_api_secret_key": "secret"}


@pytest.mark.parametrize(
    ("settings", "remote"),
    [
        ({}, {}),
        ({"broker": "alpaca", **KEYS}, {"apca_api_base_url"}),
        ({"broker": "alpaca", **KEYS, "apca_api_base_url": "http://127.0.0.1:8080"}, set()),
        ({"data_providers": ["alpaca"], **KEYS}, {"apca_api_data_url"}),
        (
            {"data_providers": ["financialdatasets"], "financial_datasets_api_key": "k"},
            {"financial_datasets_base_url"},
        ),
        ({"llm_provider": "openai", "openai_api_key": "k"}, {"openai_base_url"}),
        (
            {
                "llm_provider": "openai",
                "openai_api_key": "k",
                "openai_base_url": "http://[::1]:1/v1",
            },
            set(),
        ),
        ({"llm_provider": "ollama", "ollama_host": "http://gpu-box:11434"}, {"ollama_host"}),
        ({"llm_provider": "ollama"}, set()),
    ],
)
def test_non_loopback_endpoints_are_found(settings: dict[str, object], remote: set[str]) -> None:
    assert set(non_loopback_endpoints(load_settings(**settings))) == set(remote)


def test_the_guard_refuses_connections_off_this_machine() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        with pytest.raises(NonLoopbackConnectionError):
            sock.connect(("192.0.2.1", 9))  # TEST-NET-1: never a real host


def test_the_guard_lets_loopback_through() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.create_connection(server.getsockname(), timeout=2):
            pass


def test_unit_fixtures_take_limits_from_explicit_values(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Ambient RISK__ and THRESHOLDS__ values (and a .env) must not change a fixture's limits."""
    from tests.unit.agents import _factories
    from tests.unit.risk.factory import limits

    (tmp_path / ".env").write_text("RISK__MAX_POSITION_PCT=0.9\n")
    monkeypatch.delenv("HEDGEGRAPH_ENV_FILE", raising=False)
    monkeypatch.setenv("RISK__MAX_POSITION_PCT", "0.05")
    monkeypatch.setenv("THRESHOLDS__BUY_SCORE", "0.01")
    _factories._defaults.cache_clear()
    try:
        assert limits().max_position_pct == 0.10
        assert _factories.risk().max_position_pct == 0.10
        assert _factories.thresholds().buy_score == 0.25
    finally:
        _factories._defaults.cache_clear()
