"""Keep every configured secret out of every log line, whatever logged it.

Why a filter on top of SecretStr: SecretStr stops a settings dump from showing a key, but a
library's debug line, an exception that quotes a URL with its password, or an alert whose text
echoes a webhook URL never went through SecretStr. The filter knows the values themselves (every
SecretStr in the settings, the password in each storage URL, each alert sink URL, which carries
its token) and replaces them in the message, its arguments, string extras and the traceback
before any formatter sees the record.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import unquote, urlsplit

from pydantic import BaseModel, SecretStr

__all__ = ["MASK", "SecretRedactionFilter", "redact", "secret_values"]

MASK = "[REDACTED]"
MIN_SECRET_LENGTH = 4
"""Shorter values are not masked: masking ``ab`` would mangle every word holding it."""
_SINK_URL_FIELDS = frozenset({"webhooks", "apprise_urls"})
_STANDARD_ATTRS = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


def _url_password(text: str) -> str | None:
    if "://" not in text:
        return None
    try:
        password = urlsplit(text).password
    except ValueError:
        return None
    return unquote(password) if password else None


def _walk(value: Any, field: str = "") -> Iterator[str]:
    if isinstance(value, SecretStr):
        yield value.get_secret_value()
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _walk(getattr(value, name), name)
    elif isinstance(value, str):
        if field in _SINK_URL_FIELDS:
            yield value
        elif password := _url_password(value):
            yield password
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from _walk(item, field)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, str(key))


def secret_values(settings: BaseModel, extra: Iterable[str] = ()) -> frozenset[str]:
    """Every secret ``settings`` holds (and ``extra``, e.g. a generated API key)."""
    found = {*_walk(settings), *extra}
    return frozenset(s for s in found if len(s) >= MIN_SECRET_LENGTH)


def redact(text: str, secrets: Iterable[str]) -> str:
    for secret in sorted(secrets, key=len, reverse=True):  # a longer one may contain a shorter
        if secret in text:
            text = text.replace(secret, MASK)
    return text


class SecretRedactionFilter(logging.Filter):
    """Rewrites each record so no secret survives in it; attach it to every handler."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = frozenset(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep what can be shown
            message = f"{record.msg} {record.args}"
        record.msg, record.args = redact(message, self.secrets), None
        if record.exc_info:
            text = "".join(traceback.format_exception(*record.exc_info))
            record.exc_text, record.exc_info = redact(text.rstrip("\n"), self.secrets), None
        elif record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.secrets)
        for name, value in list(record.__dict__.items()):
            if name not in _STANDARD_ATTRS and isinstance(value, str):
                setattr(record, name, redact(value, self.secrets))
        return True
