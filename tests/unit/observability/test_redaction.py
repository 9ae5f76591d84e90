"""The redaction filter: which values it knows, and that none survives in any part of a record."""

from __future__ import annotations

import io
import logging
import sys

from pydantic import SecretStr

from api.logging_setup import configure_logging
from config.settings import packaged_settings
from tools.observability.redaction import MASK, SecretRedactionFilter, redact, secret_values


def _settings() -> object:
    return packaged_settings(
        hedgegraph_api_key=SecretStr("api-key-UNIT-1234"),
        apca_api_key_id=SecretStr("apca-id-UNIT-5678"),
        apca_api_secret_key=SecretStr("apca-secret-UNIT-9012"),
        openai_api_key=SecretStr("sk-UNIT-3456"),
        financial_datasets_api_key=SecretStr("fd-UNIT-7890"),
        data_providers=["offline"],
        database_url="postgresql://hg:pg%40pass-UNIT@127.0.0.1:5432/hg",
        redis_url="redis://default:redis-pass-UNIT@127.0.0.1:6379/0",
        alerts={
            "smtp_password": "smtp-UNIT-2468",
            "webhooks": ["https://hooks.example.invalid/services/T0/B0/token-UNIT"],
            "apprise_urls": ["tgram://bot-token-UNIT/12345"],
        },
    )


def test_every_secret_of_the_settings_is_known() -> None:
    found = secret_values(_settings(), extra=["generated-UNIT-key"])  # type: ignore[arg-type]
    assert {
        "api-key-UNIT-1234",
        "apca-id-UNIT-5678",
        "apca-secret-UNIT-9012",
        "sk-UNIT-3456",
        "fd-UNIT-7890",
        "smtp-UNIT-2468",
        "pg@pass-UNIT",  # the URL's password, decoded as the client sends it
        "redis-pass-UNIT",
        "https://hooks.example.invalid/services/T0/B0/token-UNIT",
        "tgram://bot-token-UNIT/12345",
        "generated-UNIT-key",
    } <= found


def test_short_values_are_not_masked() -> None:
    assert secret_values(packaged_settings(hedgegraph_api_key=SecretStr("abc"))) == frozenset()
    assert redact("abc abcd", {"abcd"}) == f"abc {MASK}"


def test_a_longer_secret_is_masked_whole_before_a_shorter_one_inside_it() -> None:
    assert redact("x=secret-long", {"secret", "secret-long"}) == f"x={MASK}"


def _record(msg: str, *args: object, **extra: object) -> logging.LogRecord:
    record = logging.makeLogRecord({"msg": msg, "args": args, "levelno": 20, "levelname": "INFO"})
    record.__dict__.update(extra)
    return record


def test_message_arguments_extras_and_tracebacks_are_masked() -> None:
    flt = SecretRedactionFilter({"s3cret-VALUE"})
    record = _record("key=%s", "s3cret-VALUE", ticker="AAPL", note="also s3cret-VALUE")
    try:
        raise RuntimeError("failed with s3cret-VALUE")
    except RuntimeError:
        record.exc_info = sys.exc_info()
    record.stack_info = "stack s3cret-VALUE"
    assert flt.filter(record)
    assert record.getMessage() == f"key={MASK}"
    assert record.__dict__["note"] == f"also {MASK}" and record.__dict__["ticker"] == "AAPL"
    assert record.exc_info is None and record.exc_text is not None
    assert "RuntimeError: failed with " + MASK in record.exc_text
    assert record.stack_info == f"stack {MASK}"


def test_configured_logging_masks_what_any_library_logs() -> None:
    out = io.StringIO()
    configure_logging(_settings(), stream=out, json_lines=True)  # type: ignore[arg-type]
    try:
        logging.getLogger("some.library").warning(
            "connecting to %s with %s", "redis://default:redis-pass-UNIT@h:1/0", "sk-UNIT-3456"
        )
    finally:
        root = logging.getLogger()
        for handler in [h for h in root.handlers if h.get_name() == "hedgegraph"]:
            root.removeHandler(handler)
    text = out.getvalue()
    assert "redis-pass-UNIT" not in text and "sk-UNIT-3456" not in text
    assert f"redis://default:{MASK}@h:1/0" in text and text.count(MASK) == 2
