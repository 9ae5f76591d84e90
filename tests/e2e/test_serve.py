"""``hedgegraph serve`` as a user starts it: a real subprocess on a free loopback port.

Hermetic like the CLI tests: a fresh home, a clean environment and working directory (no .env
is read), nothing past loopback.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.test_cli import clean_env, cli

pytestmark = pytest.mark.timeout(180)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _serve(home: Path, port: int, **env: str) -> subprocess.Popen[str]:
    workdir = home.parent / f"{home.name}-cwd"
    workdir.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--port", str(port)],
        env=clean_env(home, **env),
        cwd=workdir,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_alive(url: str, proc: subprocess.Popen[str], timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        try:
            if httpx.get(f"{url}/ok", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError("serve never answered /ok")


def _stop(proc: subprocess.Popen[str]) -> tuple[str, str]:
    proc.terminate()
    try:
        return proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.communicate()


def test_serve_prints_a_generated_key_once_and_every_account_route_needs_it(
    tmp_path: Path,
) -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    proc = _serve(tmp_path / "home", port)
    try:
        _wait_alive(url, proc)
        assert httpx.get(f"{url}/threads/x", timeout=5).status_code == 401
        assert httpx.get(f"{url}/ready", timeout=10).status_code == 200
        assert httpx.get(f"{url}/docs", timeout=5).status_code == 200
    finally:
        out, err = _stop(proc)
    (line,) = [line for line in out.splitlines() if line.startswith("API key")]
    key = line.rsplit("#key=", 1)[-1]  # in the operator page's address
    assert len(key) >= 32
    assert out.count(key) == 1 and key not in err, "printed once, never logged"


def test_serve_with_a_configured_key_answers_it_and_never_prints_it(tmp_path: Path) -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    key = "configured-key-for-this-test-0123456789"
    proc = _serve(tmp_path / "home", port, HEDGEGRAPH_API_KEY=key)
    try:
        _wait_alive(url, proc)
        info = httpx.get(f"{url}/info", headers={"authorization": f"Bearer {key}"}, timeout=5)
        assert info.status_code == 200 and key not in info.text
        assistants = httpx.post(
            f"{url}/assistants/search", json={}, headers={"x-api-key": key}, timeout=5
        )
        assert {a["assistant_id"] for a in assistants.json()} == {"trading", "research"}
    finally:
        out, err = _stop(proc)
    assert key not in out and key not in err


def test_serve_refuses_a_non_loopback_host_without_a_configured_key(tmp_path: Path) -> None:
    proc = cli(tmp_path / "home", "serve", "--host", "0.0.0.0", "--port", str(_free_port()))
    assert proc.returncode == 2
    assert "HEDGEGRAPH_API_KEY" in proc.stderr
    assert "API key" not in proc.stdout, "no key is printed for a server that never starts"
