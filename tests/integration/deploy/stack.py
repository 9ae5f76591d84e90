"""The compose deployment as plain processes: migrate, then the API and the scheduler daemon,
over a real PostgreSQL and a real Redis, each started the way compose.yaml starts it.

What is the same as compose: the commands (``db upgrade``, ``serve --host ... --port ...``,
``scheduler --metrics-host ... --metrics-port ...``), the environment compose builds (DATABASE_URL
and CHECKPOINT_URL on Postgres, REDIS_URL, the API key and every other setting from the env
file, HEDGEGRAPH_ENV_FILE empty as the image sets it), the order (migrations exit 0 before
either starts; the API counts as up when ``/ready`` answers 200, the image's health check) and
stdout/stderr kept as the container logs. What differs: loopback ports instead of a network, a
temporary home instead of the named volume, the wall clock (serve has no pinned clock).
"""

from __future__ import annotations

import http.server
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.e2e.test_cli import clean_env

__all__ = ["SECRETS", "Stack", "WebhookCatcher", "deployed_stack", "webhook_catcher"]

START_TIMEOUT = 180.0
"""Seconds a process has to come up: start-up is slow on two loaded cores."""

SECRETS = {
    "HEDGEGRAPH_API_KEY": "hg-api-key-CAPTURE-7f3a91c2d8e4",
    "APCA_API_KEY_ID": "apca-key-id-CAPTURE-55b1e0",
    "APCA_API_SECRET_KEY": "apca-secret-CAPTURE-a8d2f4c6",
    "OPENAI_API_KEY": "sk-openai-CAPTURE-0c9e7b3d",
    "FINANCIAL_DATASETS_API_KEY": "fd-key-CAPTURE-4e6a2b8c",
    "ALERTS__SMTP_PASSWORD": "smtp-pass-CAPTURE-91d3e5",
}
"""Every SecretStr setting, each with a value that appears nowhere else."""
DB_PASSWORD = "pg-pass-CAPTURE-6b2d9e1f"
REDIS_PASSWORD = "redis-pass-CAPTURE-3c8f0a5e"
WEBHOOK_TOKEN = "hook-token-CAPTURE-d7e2a4b9"
"""The path part of the webhook URL: what a Slack or Discord webhook URL's token is."""


def all_secrets() -> dict[str, str]:
    return {
        **SECRETS,
        "DATABASE_URL password": DB_PASSWORD,
        "REDIS_URL password": REDIS_PASSWORD,
        "ALERTS__WEBHOOKS token": WEBHOOK_TOKEN,
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class WebhookCatcher:
    url: str
    bodies: list[bytes] = field(default_factory=list)


@contextmanager
def webhook_catcher() -> Iterator[WebhookCatcher]:
    """A chat webhook on loopback that accepts every POST (the alert sink's real target)."""
    port = free_port()
    caught = WebhookCatcher(f"http://127.0.0.1:{port}/services/{WEBHOOK_TOKEN}")

    class Hook(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            caught.bodies.append(self.rfile.read(int(self.headers.get("content-length", 0))))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield caught
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Stack:
    api_url: str
    metrics_url: str
    key: str
    home: Path
    env: dict[str, str]
    database_url: str
    redis_url: str
    migrate_output: str
    api: subprocess.Popen[bytes]
    scheduler: subprocess.Popen[bytes]
    api_log: Path
    scheduler_log: Path

    @property
    def headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.key}"}

    def logs(self) -> str:
        return self.api_log.read_text(errors="replace") + self.scheduler_log.read_text(
            errors="replace"
        )


def _with_password(url: str, user: str, password: str) -> str:
    scheme, rest = url.split("://", 1)
    rest = rest.split("@", 1)[-1]
    return f"{scheme}://{user}:{password}@{rest}"


def _start(args: list[str], env: dict[str, str], cwd: Path, log: Path) -> subprocess.Popen[bytes]:
    out = log.open("wb")
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "api.cli", *args],
            env=env,
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    finally:
        out.close()


def _wait(url: str, proc: subprocess.Popen[bytes], log: Path, **request: object) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    last = "no answer"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"{url}: exited {proc.returncode}:\n{log.read_text()[-4000:]}")
        try:
            answer = httpx.get(url, timeout=10, **request)  # type: ignore[arg-type]
            if answer.status_code == 200:
                return
            last = f"{answer.status_code} {answer.text[:300]}"
        except httpx.TransportError as exc:
            last = repr(exc)
        time.sleep(0.3)  # a poll interval, as compose's health check polls
    raise AssertionError(
        f"{url} not up after {START_TIMEOUT:.0f}s: {last}\n{log.read_text()[-4000:]}"
    )


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()  # compose's stop: SIGTERM, then a kill after the grace period
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)


@contextmanager
def deployed_stack(
    root: Path, *, database_url: str, redis_url: str, **extra: str
) -> Iterator[Stack]:
    """``database_url``: an empty database; ``redis_url``: a Redis with the JSON and Search
    modules. The stack's settings carry every secret of ``SECRETS`` and the passwords."""
    home, cwd = root / "home", root / "cwd"
    home.mkdir(parents=True)
    cwd.mkdir()
    db = _with_password(database_url, "postgres", DB_PASSWORD)
    redis = _with_password(redis_url, "default", REDIS_PASSWORD)
    env = clean_env(
        home,
        HEDGEGRAPH_ENV_FILE="",
        DATABASE_URL=db,
        CHECKPOINT_URL=db,
        REDIS_URL=redis,
        BROKER="paper",
        TRADING_MODE="paper",
        LLM_PROVIDER="none",
        DATA_PROVIDERS="offline",
        ALERTS__SMTP_USER="hedgegraph",
        **SECRETS,
        **extra,
    )
    migrate = subprocess.run(
        [sys.executable, "-m", "api.cli", "db", "upgrade"],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT,
        check=False,
    )
    assert migrate.returncode == 0, (
        migrate.stdout + migrate.stderr
    )  # service_completed_successfully
    api_port, metrics_port = free_port(), free_port()
    api_log, scheduler_log = root / "api.log", root / "scheduler.log"
    with ExitStack() as stack:
        api = _start(["serve", "--host", "127.0.0.1", "--port", str(api_port)], env, cwd, api_log)
        stack.callback(_stop, api)
        api_url = f"http://127.0.0.1:{api_port}"
        _wait(f"{api_url}/ready", api, api_log)  # the image's HEALTHCHECK
        scheduler = _start(
            ["scheduler", "--metrics-host", "127.0.0.1", "--metrics-port", str(metrics_port)],
            env,
            cwd,
            scheduler_log,
        )
        stack.callback(_stop, scheduler)
        metrics_url = f"http://127.0.0.1:{metrics_port}/metrics"
        _wait(metrics_url, scheduler, scheduler_log)  # compose.yaml's scheduler health check
        yield Stack(
            api_url=api_url,
            metrics_url=metrics_url,
            key=SECRETS["HEDGEGRAPH_API_KEY"],
            home=home,
            env=env,
            database_url=db,
            redis_url=redis,
            migrate_output=migrate.stdout + migrate.stderr,
            api=api,
            scheduler=scheduler,
            api_log=api_log,
            scheduler_log=scheduler_log,
        )
