"""CHECKPOINT_URL parsing: every supported form, and a clear error for the rest."""

from __future__ import annotations

import pytest

from graph.checkpoints.factory import CheckpointURLError, parse_checkpoint_url


@pytest.mark.parametrize(
    ("url", "backend", "location", "ttl"),
    [
        ("sqlite:////var/lib/hg/ckpt.sqlite", "sqlite", "/var/lib/hg/ckpt.sqlite", None),
        ("sqlite:///rel/ckpt.sqlite", "sqlite", "rel/ckpt.sqlite", None),
        ("sqlite://", "sqlite", ":memory:", None),
        ("sqlite:///:memory:", "sqlite", ":memory:", None),
        ("postgresql://u:p@db:5432/hg", "postgres", "postgresql://u:p@db:5432/hg", None),
        ("postgresql+psycopg://u@db/hg", "postgres", "postgresql://u@db/hg", None),
        ("postgres://u@db/hg", "postgres", "postgresql://u@db/hg", None),
        ("redis://cache:6379/2", "redis", "redis://cache:6379/2", None),
        ("redis://cache:6379/2?ttl_minutes=30", "redis", "redis://cache:6379/2", 30.0),
    ],
)
def test_supported_urls(url: str, backend: str, location: str, ttl: float | None) -> None:
    target = parse_checkpoint_url(url)
    assert (target.backend, target.location, target.ttl_minutes) == (backend, location, ttl)


@pytest.mark.parametrize(
    "url", ["mysql://db/hg", "ckpt.sqlite", "sqlite:relative", "redis://c:6379?ttl_minutes=soon"]
)
def test_unsupported_urls_raise_a_typed_error(url: str) -> None:
    with pytest.raises(CheckpointURLError):
        parse_checkpoint_url(url)
