"""Logging for the long-running faces (``serve``, ``scheduler``): JSON lines unless on a terminal.

Why only those: they run unattended under compose or systemd, where a collector reads stderr;
one-shot commands (``run``, ``status``) print for a person and keep their output as it is. Why
the redaction filter sits on the handler: every record of every library goes through it, so a
secret is masked however it reached a message (tools/observability/redaction.py).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, TextIO

from tools.observability.log_format import JsonLineFormatter, TerminalFormatter
from tools.observability.redaction import SecretRedactionFilter, secret_values

if TYPE_CHECKING:
    from config.settings import Settings

__all__ = ["configure_logging"]

_HANDLER_NAME = "hedgegraph"
QUIET_LOGGERS = ("httpcore", "apscheduler.executors.default", "sse_starlette")
"""Libraries whose INFO lines repeat for every request or job; kept at WARNING."""


def configure_logging(
    settings: Settings,
    *,
    extra_secrets: Iterable[str] = (),
    stream: TextIO | None = None,
    json_lines: bool | None = None,
    level: int = logging.INFO,
) -> SecretRedactionFilter:
    """Route every logger to one handler on ``stream`` (default stderr): JSON lines, or plain
    lines when ``stream`` is a terminal (``json_lines`` decides when given). Idempotent: a second
    call replaces the first one's handler. Returns the handler's redaction filter."""
    out = stream if stream is not None else sys.stderr
    secrets = secret_values(settings, extra_secrets)
    if json_lines is None:
        json_lines = not (hasattr(out, "isatty") and out.isatty())
    handler = logging.StreamHandler(out)
    handler.set_name(_HANDLER_NAME)
    formatter = JsonLineFormatter(secrets) if json_lines else TerminalFormatter(secrets)
    handler.setFormatter(formatter)
    redaction = SecretRedactionFilter(secrets)
    handler.addFilter(redaction)
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    return redaction
