"""Optional parts of the install: a selection whose extra is missing fails at start-up, by name.

A missing package is simulated the way Python itself treats it: ``sys.modules[name] = None`` makes
both ``import name`` and ``importlib.util.find_spec(name)`` say it is not there.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import pytest

from config.extras import EXTRAS
from config.settings import ConfigError, load_settings

ROOT = Path(__file__).resolve().parents[3]


def _hide(monkeypatch: pytest.MonkeyPatch, *modules: str) -> None:
    for module in modules:
        monkeypatch.setitem(sys.modules, module, None)


def test_pyproject_offers_every_extra_the_check_names() -> None:
    optional = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    assert set(EXTRAS) <= set(optional)
    assert "hedgegraph[" + ",".join(EXTRAS) + "]" in optional["all"]
    assert "hedgegraph[all]" in optional["dev"], "the suite installs every extra"


@pytest.mark.parametrize(
    ("env", "hidden", "key", "extra"),
    [
        (
            {"LLM_PROVIDER": "openai", "OPENAI_API_KEY": "k"},
            "langchain_openai",
            "llm_provider",
            "llm",
        ),
        ({"LLM_PROVIDER": "ollama"}, "ollama", "llm_provider", "llm"),
        (
            {"BROKER": "alpaca", "APCA_API_KEY_ID": "k", "APCA_API_SECRET_KEY": "s"},
            "alpaca",
            "broker",
            "alpaca",
        ),
        ({"DATABASE_URL": "postgresql://u@127.0.0.1/db"}, "psycopg", "database_url", "postgres"),
        ({"REDIS_URL": "redis://127.0.0.1:6379/0"}, "redis", "redis_url", "redis"),
    ],
)
def test_a_selection_without_its_extra_is_refused_with_the_install_command(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    env: dict[str, str],
    hidden: str,
    key: str,
    extra: str,
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    load_settings(hedgegraph_home=tmp_path)  # installed here: accepted
    _hide(monkeypatch, hidden)
    with pytest.raises(ConfigError) as refused:
        load_settings(hedgegraph_home=tmp_path)
    message = str(refused.value)
    assert f"{key}:" in message and f"pip install 'hedgegraph[{extra}]'" in message
    assert hidden in message


def test_the_embedded_default_needs_no_extra(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _hide(monkeypatch, *(m for modules in EXTRAS.values() for m in modules))
    settings = load_settings(hedgegraph_home=tmp_path)
    assert settings.broker == "paper" and settings.llm_provider == "none"
