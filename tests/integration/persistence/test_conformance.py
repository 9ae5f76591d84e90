"""langgraph-checkpoint-conformance against every checkpointer the factory builds.

The per-capability report is printed into the test output (visible without ``-s``). The conformance
suite drives the async API; the sync savers run it through a shim that calls their sync methods
in a worker thread, so the sync code paths are the ones under test.

Known Redis gaps (langgraph-checkpoint-redis 0.5.2, also measured in ../shared/TESTING.md): the
``list`` suite fails namespace filters, ``before`` paging and custom metadata filter keys; the
``prune`` suite fails keep-latest across namespaces and rejects an empty thread list. hedgegraph
only lists the root namespace of a thread and prunes by deleting whole threads, and Postgres is
the system of record; the gaps are asserted here so a fix (or a regression) is noticed.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.conformance import checkpointer_test, validate
from langgraph.checkpoint.conformance.report import CapabilityReport

from graph.checkpoints.factory import aopen_checkpointer, open_checkpointer, setup_checkpointer
from tests.fixtures.servers import fresh_database

KNOWN_REDIS_GAPS = {
    "list": {
        "test_list_by_namespace",
        "test_list_metadata_custom_keys",
        "test_list_before",
        "test_list_limit_plus_before",
        "test_list_multiple_namespaces",
    },
    "prune": {"test_prune_keep_latest_across_namespaces", "test_prune_empty_list_noop"},
}


def _sync_under_async(inner: BaseCheckpointSaver[Any]) -> BaseCheckpointSaver[Any]:
    """Expose a sync saver's own methods through the async API the suite calls."""
    methods: dict[str, Any] = {}

    def delegate(name: str) -> Any:
        async def call(self: Any, *args: Any, **kwargs: Any) -> Any:
            return await asyncio.to_thread(getattr(inner, name), *args, **kwargs)

        return call

    async def alist(self: Any, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        for item in await asyncio.to_thread(lambda: list(inner.list(*args, **kwargs))):
            yield item

    for name in ("put", "put_writes", "get_tuple", "delete_thread"):
        methods[f"a{name}"] = delegate(name)
    methods["alist"] = alist
    for name in ("prune", "delete_for_runs", "copy_thread"):
        if getattr(type(inner), name) is not getattr(BaseCheckpointSaver, name):
            methods[f"a{name}"] = delegate(name)
    methods["get_next_version"] = lambda self, current, channel: inner.get_next_version(
        current, channel
    )
    shim = type(f"SyncShim[{type(inner).__name__}]", (BaseCheckpointSaver,), methods)
    return shim(serde=inner.serde)  # type: ignore[no-any-return]


@pytest.fixture(params=["sqlite", "postgres", "redis"])
def backend_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'conformance.sqlite'}"
    if request.param == "postgres":
        url = fresh_database(request.getfixturevalue("postgres_url"), "conformance")
        setup_checkpointer(url)
        return url
    return str(request.getfixturevalue("redis_url"))


def _failures(report: CapabilityReport) -> dict[str, set[str]]:
    failed: dict[str, set[str]] = {}
    for capability, result in report.results.items():
        if result.passed is False:
            failed[capability] = {f.split(":", 1)[0] for f in result.failures}
    return failed


def _print(report: CapabilityReport, capsys: pytest.CaptureFixture[str]) -> None:
    with capsys.disabled():
        report.print_report()
        for capability, result in sorted(report.results.items()):
            for failure in result.failures:
                print(f"    {report.checkpointer_name} {capability} FAILED {failure}")


def _expected_failures(url: str) -> dict[str, set[str]]:
    return KNOWN_REDIS_GAPS if url.startswith("redis") else {}


async def test_async_checkpointer_conformance(
    backend_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    @checkpointer_test(name=f"async {backend_url.split(':', 1)[0]}")
    async def factory() -> AsyncIterator[BaseCheckpointSaver[Any]]:
        async with aopen_checkpointer(backend_url) as saver:
            yield saver

    report = await validate(factory)
    _print(report, capsys)
    assert report.passed_all_base() or backend_url.startswith("redis")
    assert _failures(report) == _expected_failures(backend_url)


async def test_sync_checkpointer_conformance(
    backend_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    def opened() -> Iterator[BaseCheckpointSaver[Any]]:
        with open_checkpointer(backend_url) as saver:
            yield saver

    @checkpointer_test(name=f"sync {backend_url.split(':', 1)[0]}")
    async def factory() -> AsyncIterator[BaseCheckpointSaver[Any]]:
        inner = opened()
        saver = await asyncio.to_thread(next, inner)
        try:
            yield _sync_under_async(saver)
        finally:
            await asyncio.to_thread(lambda: next(inner, None))

    report = await validate(factory)
    _print(report, capsys)
    assert _failures(report) == _expected_failures(backend_url)
