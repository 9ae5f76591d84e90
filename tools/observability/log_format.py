"""How a log line looks: one JSON object per line for a collector, a plain line on a terminal.

JSON lines carry ``timestamp`` (UTC, ISO 8601), ``level``, ``logger``, ``message`` and, where
they apply, the run's ``run_id`` and ``thread_id`` and the ``node``, ``ticker``,
``client_order_id`` and ``broker_order_id`` a caller passed (``extra=``) or the running cycle
bound (tools/observability/log_context.py). Both formats pass their finished text through the
redaction once more, so a formatter's own additions cannot leak a secret either.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from pythonjsonlogger.json import JsonFormatter

from tools.observability.log_context import LOG_FIELDS, current_fields
from tools.observability.redaction import redact

__all__ = ["JsonLineFormatter", "TerminalFormatter"]


def _context(record: logging.LogRecord) -> dict[str, Any]:
    fields = current_fields()
    for name in LOG_FIELDS:
        value = getattr(record, name, None)
        if value is not None:
            fields[name] = value
    return {k: fields[k] for k in LOG_FIELDS if fields.get(k) is not None}


class JsonLineFormatter(JsonFormatter):
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__(json_ensure_ascii=False)
        self.secrets = frozenset(secrets)

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        log_data["timestamp"] = datetime.fromtimestamp(record.created, UTC).isoformat()
        log_data["level"] = record.levelname
        log_data["logger"] = record.name
        log_data["message"] = record.getMessage()
        log_data.update(_context(record))
        for key, value in message_dict.items():
            log_data.setdefault(key, value)

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record), self.secrets)


class TerminalFormatter(logging.Formatter):
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S")
        self.secrets = frozenset(secrets)

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        context = _context(record)
        if context:
            text += "  [" + " ".join(f"{k}={v}" for k, v in context.items()) + "]"
        return redact(text, self.secrets)
