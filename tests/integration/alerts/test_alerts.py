"""Alerts: a real local SMTP server (aiosmtpd) receives severity-routed mail; webhooks get chat
payloads; duplicates and floods are held back; a dead sink never blocks the others."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email import message_from_bytes

import httpx
import pytest

from domain import EventSeverity
from tests.integration.alerts.conftest import Inbox, free_port
from tools.alerts.dispatcher import AlertDispatcher
from tools.alerts.factory import AlertConfigError, dispatcher_from_env
from tools.alerts.model import Alert
from tools.alerts.smtp import SmtpSink
from tools.alerts.webhook import WebhookSink
from tools.clock import FixedClock

pytestmark = pytest.mark.integration
T0 = datetime(2024, 3, 4, 15, 0, tzinfo=UTC)
ROUTES = {
    EventSeverity.WARNING: ["team@example.test"],
    EventSeverity.CRITICAL: ["oncall@example.test"],
}


def _alert(severity: EventSeverity, title: str = "emergency stop", **kw: object) -> Alert:
    return Alert(severity=severity, title=title, message="daily loss limit reached", at=T0, **kw)


def test_critical_alert_reaches_every_route_over_real_smtp(smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    sink = SmtpSink(host="127.0.0.1", port=port, sender="hedgegraph@example.test", routes=ROUTES)
    report = AlertDispatcher([sink], clock=FixedClock(T0)).send(
        _alert(EventSeverity.CRITICAL, context={"equity": "96000"})
    )
    assert report.sent_to == ("smtp",)
    ((rcpts, raw),) = inbox.messages
    assert sorted(rcpts) == ["oncall@example.test", "team@example.test"]
    mail = message_from_bytes(raw)
    assert mail["Subject"] == "[hedgegraph CRITICAL] emergency stop"
    body = mail.get_payload(decode=True).decode()
    assert "daily loss limit reached" in body and "equity: 96000" in body


def test_warning_goes_to_the_team_only(smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    sink = SmtpSink(host="127.0.0.1", port=port, sender="hg@example.test", routes=ROUTES)
    AlertDispatcher([sink], clock=FixedClock(T0)).send(_alert(EventSeverity.WARNING, "75% of loss"))
    assert [r for r, _ in inbox.messages] == [["team@example.test"]]


def test_info_has_no_recipients_and_sends_nothing(smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    sink = SmtpSink(host="127.0.0.1", port=port, sender="hg@example.test", routes=ROUTES)
    AlertDispatcher([sink], clock=FixedClock(T0)).send(_alert(EventSeverity.INFO))
    assert inbox.messages == []


def test_duplicates_are_held_back_until_the_window_passes(smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    clock = FixedClock(T0)
    sink = SmtpSink(host="127.0.0.1", port=port, sender="hg@example.test", routes=ROUTES)
    dispatcher = AlertDispatcher([sink], clock=clock, dedupe_seconds=600)
    assert dispatcher.send(_alert(EventSeverity.CRITICAL)).sent_to == ("smtp",)
    assert dispatcher.send(_alert(EventSeverity.CRITICAL)).suppressed == "duplicate"
    clock.advance(timedelta(minutes=11))
    assert dispatcher.send(_alert(EventSeverity.CRITICAL)).sent_to == ("smtp",)
    assert len(inbox.messages) == 2


def test_rate_limit_holds_back_warnings_but_not_critical() -> None:
    delivered: list[str] = []

    class ListSink:
        name = "list"

        def deliver(self, alert: Alert) -> None:
            delivered.append(alert.title)

    dispatcher = AlertDispatcher([ListSink()], clock=FixedClock(T0), max_per_minute=2)
    reports = [dispatcher.send(_alert(EventSeverity.WARNING, f"w{i}")) for i in range(4)]
    assert [r.suppressed for r in reports] == [None, None, "rate_limited", "rate_limited"]
    assert dispatcher.send(_alert(EventSeverity.CRITICAL, "halt")).sent_to == ("list",)
    assert delivered == ["w0", "w1", "halt"]


def test_a_dead_smtp_server_is_reported_and_the_webhook_still_fires() -> None:
    posted: list[dict[str, str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        posted.append(json.loads(request.content))
        return httpx.Response(200, text="ok")

    dead = SmtpSink(host="127.0.0.1", port=free_port(), sender="hg@example.test", routes=ROUTES)
    hook = WebhookSink(
        "https://hooks.slack.test/services/SECRET",
        client=httpx.Client(transport=httpx.MockTransport(handler)),
    )
    report = AlertDispatcher([dead, hook], clock=FixedClock(T0)).send(
        _alert(EventSeverity.CRITICAL)
    )
    assert report.sent_to == ("webhook:slack",)
    assert "smtp" in report.failed
    assert posted == [{"text": "*[CRITICAL] emergency stop*\ndaily loss limit reached"}]


def test_webhook_failure_hides_the_secret_url() -> None:
    hook = WebhookSink(
        "https://discord.com/api/webhooks/123/TOPSECRET",
        style="discord",
        client=httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(500))),
    )
    report = AlertDispatcher([hook], clock=FixedClock(T0)).send(_alert(EventSeverity.ERROR))
    assert report.sent_to == ()
    assert "TOPSECRET" not in report.failed["webhook:discord"]


def test_dispatcher_from_env(smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    env = {
        "HEDGEGRAPH_ALERT_SMTP_HOST": "127.0.0.1",
        "HEDGEGRAPH_ALERT_SMTP_PORT": str(port),
        "HEDGEGRAPH_ALERT_SMTP_FROM": "hg@example.test",
        "HEDGEGRAPH_ALERT_EMAIL_CRITICAL": "oncall@example.test, boss@example.test",
    }
    dispatcher_from_env(env, clock=FixedClock(T0)).send(_alert(EventSeverity.CRITICAL))
    assert sorted(inbox.messages[0][0]) == ["boss@example.test", "oncall@example.test"]
    with pytest.raises(AlertConfigError, match="SMTP_FROM"):
        dispatcher_from_env({"HEDGEGRAPH_ALERT_SMTP_HOST": "x"}, clock=FixedClock(T0))
