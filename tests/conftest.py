"""Shared fixtures and the hermetic-suite guard. Real servers live in tests/fixtures/servers.py.

Why the guard: settings read ``.env`` from the working directory, which is where users keep broker
keys, and a test once sold a real position that way. Before anything is collected the guard
removes every trading, broker, LLM and data setting from this process's environment (so
subprocesses inherit none either), turns ``.env`` reading off (``HEDGEGRAPH_ENV_FILE=""``),
refuses to start when the settings the tests get would talk to a non-loopback endpoint, and for
the whole session refuses any TCP connection that leaves the machine.

How tests build settings: ``load_settings(hedgegraph_home=tmp_path / "home", **explicit)``; the
packaged defaults alone are ``packaged_settings()``; a subprocess gets an explicit ``env=`` and a
temporary ``cwd``.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterator, MutableMapping
from pathlib import Path
from typing import Any

import pytest

from config.endpoints import endpoints_in_use, is_loopback_url
from config.env_files import ENV_FILE_VARIABLE, known_env_names
from config.settings import ConfigError, Settings, load_settings

pytest_plugins = ["tests.fixtures.servers"]

# ../shared/data beside the checkout; one level further up when the tree is a copy inside it
# (mutation testing runs the suite from ./mutants).
SHARED_DATA = next(
    (
        base / "shared" / "data"
        for base in Path(__file__).resolve().parents[2:4]
        if (base / "shared" / "data").is_dir()
    ),
    Path(__file__).resolve().parents[2] / "shared" / "data",
)

AMBIENT_PREFIXES = (
    "APCA_",
    "OPENAI_",
    "FINANCIAL_DATASETS_",
    "HEDGEGRAPH_",
    "RISK__",
    "THRESHOLDS__",
    "LLM_",
    "DATA_",
    "TRADING_",
)
AMBIENT_NAMES = (
    "BROKER",
    "AUTO_TRADING_ENABLED",
    "WORKFLOW_MODE",
    "ANALYSTS",
    "DATABASE_URL",
    "CHECKPOINT_URL",
    "REDIS_URL",
    "OLLAMA_HOST",
)


def is_ambient_setting(name: str) -> bool:
    """A variable that could change what the tests trade, where, or with which limits."""
    upper = name.upper()
    sections = tuple(n.split("__", 1)[0] + "__" for n in known_env_names(Settings) if "__" in n)
    return (
        upper.startswith(AMBIENT_PREFIXES + sections)
        or upper in AMBIENT_NAMES
        or upper in known_env_names(Settings)
    )


def make_hermetic(environ: MutableMapping[str, str]) -> list[str]:
    """Remove the ambient settings from ``environ`` and turn ``.env`` off; the names removed."""
    removed = sorted(name for name in environ if is_ambient_setting(name))
    for name in removed:
        del environ[name]
    environ[ENV_FILE_VARIABLE] = ""
    return removed


def non_loopback_endpoints(settings: Settings) -> dict[str, str]:
    """The endpoints ``settings`` would use that are not on this machine."""
    return {k: url for k, url in endpoints_in_use(settings).items() if not is_loopback_url(url)}


class NonLoopbackConnectionError(ConnectionRefusedError):
    """A test tried to reach a host off this machine; tests talk to local fakes only."""


def _is_local_address(address: Any) -> bool:
    """Loopback, this machine's unspecified address, or an IPv4-mapped loopback address."""
    host = address[0] if isinstance(address, tuple) else address
    if not isinstance(host, str):
        return False
    try:
        ip = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return is_loopback_url(f"//{host}")
    mapped = getattr(ip, "ipv4_mapped", None)
    return ip.is_loopback or ip.is_unspecified or bool(mapped and mapped.is_loopback)


def _guarded(original: Any) -> Any:
    def connect(self: socket.socket, address: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local_address(address):
            raise NonLoopbackConnectionError(f"test tried to connect to {address!r}")
        return original(self, address)

    return connect


def pytest_configure(config: pytest.Config) -> None:
    """Runs before collection, so even import-time code sees the hermetic environment."""
    make_hermetic(os.environ)


@pytest.fixture(scope="session", autouse=True)
def _hermetic_session() -> Iterator[None]:
    """Refuse to start on non-loopback endpoints; block off-machine connections meanwhile."""
    make_hermetic(os.environ)  # a plugin may have set something after configure
    try:
        remote = non_loopback_endpoints(load_settings())
    except ConfigError as exc:
        pytest.exit(f"refusing to run the suite: the tests' default settings: {exc}", returncode=2)
    if remote:
        pytest.exit(
            "refusing to run the suite: the tests' settings would reach "
            + ", ".join(f"{key}={url}" for key, url in remote.items()),
            returncode=2,
        )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", _guarded(socket.socket.connect))
        patch.setattr(socket.socket, "connect_ex", _guarded(socket.socket.connect_ex))
        yield


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data: real market data and API samples (tests read it; the product never does)."""
    if not SHARED_DATA.is_dir():
        pytest.fail(f"shared data folder not found at {SHARED_DATA}")
    return SHARED_DATA
