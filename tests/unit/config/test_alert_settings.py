"""Alert sinks are a typed ``alerts`` section of Settings; the dispatcher is built from it."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar

import pytest

from config.settings import ConfigError, load_settings
from domain import EventSeverity
from tools.alerts.factory import AlertConfigError, dispatcher_from_env, dispatcher_from_settings
from tools.alerts.model import Alert
from tools.alerts.smtp import SmtpSink
from tools.alerts.webhook import WebhookSink
from tools.clock import FixedClock

T0 = datetime(2024, 3, 4, 15, 0, tzinfo=UTC)


class _Hook(BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, object]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append(json.loads(body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict[str, object]]]]:
    _Hook.received = []
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", _Hook.received
    server.shutdown()


def _alert() -> Alert:
    return Alert(
        severity=EventSeverity.CRITICAL,
        title="emergency stop",
        message="daily loss limit reached",
        at=T0,
        key="critical:emergency stop",
    )


def test_alerts_section_from_the_environment_reaches_a_real_webhook(
    monkeypatch: pytest.MonkeyPatch, webhook: tuple[str, list[dict[str, object]]]
) -> None:
    url, received = webhook
    monkeypatch.setenv("ALERTS__WEBHOOKS", url)
    settings = load_settings()
    assert settings.alerts.webhooks == [url]
    dispatcher_from_settings(settings, clock=FixedClock(T0)).send(_alert())
    assert len(received) == 1 and "emergency stop" in str(received[0]["text"])


def test_smtp_settings_are_typed_and_the_password_is_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in {
        "ALERTS__SMTP_HOST": "127.0.0.1",
        "ALERTS__SMTP_PORT": "2525",
        "ALERTS__SMTP_FROM": "hg@example.test",
        "ALERTS__SMTP_USER": "hg",
        "ALERTS__SMTP_PASSWORD": "smtp-pass-123",
        "ALERTS__SMTP_STARTTLS": "TRUE",
        "ALERTS__EMAIL_CRITICAL": "oncall@example.test, boss@example.test",
        "ALERTS__EMAIL_WARNING": '["team@example.test"]',
    }.items():
        monkeypatch.setenv(name, value)
    settings = load_settings()
    alerts = settings.alerts
    assert (alerts.smtp_port, alerts.smtp_starttls) == (2525, True)
    assert alerts.email_critical == ["oncall@example.test", "boss@example.test"]
    assert alerts.recipients_by_severity == {
        "warning": ["team@example.test"],
        "critical": ["oncall@example.test", "boss@example.test"],
    }
    assert "smtp-pass-123" not in repr(settings)
    sinks = dispatcher_from_settings(settings, clock=FixedClock(T0))._sinks
    assert [type(sink) for sink in sinks] == [SmtpSink]


def test_the_older_names_still_work_and_the_section_names_win(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HEDGEGRAPH_ALERT_WEBHOOKS", "http://127.0.0.1:9/a,https://discord.com/x")
    assert load_settings().alerts.webhooks == ["http://127.0.0.1:9/a", "https://discord.com/x"]
    monkeypatch.setenv("ALERTS__WEBHOOKS", "http://127.0.0.1:9/b")
    assert load_settings().alerts.webhooks == ["http://127.0.0.1:9/b"]


def test_older_names_in_dotenv_are_read_not_refused(dotenv) -> None:  # type: ignore[no-untyped-def]
    dotenv("HEDGEGRAPH_ALERT_WEBHOOKS=http://127.0.0.1:9/a\n")
    assert load_settings().alerts.webhooks == ["http://127.0.0.1:9/a"]


def test_discord_urls_get_discord_sinks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALERTS__WEBHOOKS", "https://discord.com/api/webhooks/1,http://127.0.0.1:9")
    sinks = dispatcher_from_settings(load_settings(), clock=FixedClock(T0))._sinks
    assert [s.name for s in sinks if isinstance(s, WebhookSink)] == [
        "webhook:discord",
        "webhook:slack",
    ]


@pytest.mark.parametrize(
    ("env", "key"),
    [
        ({"ALERTS__SMTP_HOST": "h", "ALERTS__EMAIL_ERROR": "a@b.test"}, "smtp_from"),
        ({"ALERTS__SMTP_HOST": "h", "ALERTS__SMTP_FROM": "hg@b.test"}, "email_"),
        ({"ALERTS__SMTP_PORT": "seventy"}, "alerts.smtp_port"),
        ({"HEDGEGRAPH_ALERT_SMTP_PORT": "99999"}, "alerts.smtp_port"),
    ],
)
def test_incomplete_alert_settings_fail_at_load_naming_the_key(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], key: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=key):
        load_settings()


def test_no_sink_configured_is_valid() -> None:
    assert dispatcher_from_settings(load_settings(), clock=FixedClock(T0))._sinks == []


def test_dispatcher_from_env_is_a_thin_wrapper(
    webhook: tuple[str, list[dict[str, object]]],
) -> None:
    url, received = webhook
    dispatcher_from_env({"HEDGEGRAPH_ALERT_WEBHOOKS": url}, clock=FixedClock(T0)).send(_alert())
    assert len(received) == 1
    with pytest.raises(AlertConfigError, match="HEDGEGRAPH_ALERT_SMTP_PORT"):
        dispatcher_from_env(
            {"HEDGEGRAPH_ALERT_SMTP_HOST": "h", "HEDGEGRAPH_ALERT_SMTP_PORT": "x"},
            clock=FixedClock(T0),
        )
