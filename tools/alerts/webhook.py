"""Chat webhooks (Slack and Discord incoming-webhook payloads)."""

from __future__ import annotations

from typing import Literal

import httpx

from tools.alerts.model import Alert, AlertSinkError

__all__ = ["WebhookSink"]


class WebhookSink:
    def __init__(
        self,
        url: str,
        *,
        style: Literal["slack", "discord"] = "slack",
        client: httpx.Client | None = None,
        timeout_seconds: float = 5.0,
    ) -> None:
        self.name = f"webhook:{style}"
        self._url = url
        self._style = style
        self._client = client or httpx.Client(timeout=timeout_seconds)

    def deliver(self, alert: Alert) -> None:
        text = f"*[{alert.severity.value.upper()}] {alert.title}*\n{alert.message}"
        payload = {"text": text} if self._style == "slack" else {"content": text}
        try:
            response = self._client.post(self._url, json=payload)
            response.raise_for_status()
        except httpx.HTTPStatusError as exc:
            # the URL holds the webhook's secret: name the host and the status only
            raise AlertSinkError(
                f"webhook {httpx.URL(self._url).host}: HTTP {exc.response.status_code}"
            ) from None
        except httpx.HTTPError as exc:
            raise AlertSinkError(
                f"webhook {httpx.URL(self._url).host}: {type(exc).__name__}"
            ) from None
