"""Retention: delete checkpoints of threads idle longer than a cutoff, and old run events.

Why by thread: a checkpoint is only useful with its ancestors and pending writes, so a thread is
kept whole or deleted whole (``delete_thread``, which every saver implements). Financial records
(intents, orders, fills, decision audit, snapshots, alerts) are never pruned here: they are the
books, and their retention is a compliance decision, not a disk-space one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from config.settings import Settings
from graph.checkpoints.factory import open_checkpointer
from graph.checkpoints.locks import FileThreadLocks, file_lock_folder
from tools.clock import Clock
from tools.market_data.snapshot_store import FileSnapshotStore, file_snapshot_folder
from tools.persistence.runs import run_store_at
from tools.persistence.types import NaiveDatetimeError

__all__ = [
    "DEFAULT_RETENTION",
    "PruneReport",
    "RetentionInputError",
    "parse_age",
    "prune",
    "prune_checkpoints",
    "prune_job",
    "stale_threads",
]

DEFAULT_RETENTION = timedelta(days=30)
_UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1)}
_UNITS["w"] = timedelta(weeks=1)


class RetentionInputError(ValueError):
    """An age or cutoff could not be understood."""


@dataclass(frozen=True, slots=True)
class PruneReport:
    """What a prune removed (or, on a dry run, would remove)."""

    cutoff: datetime
    """Anything last touched before this instant was eligible."""
    threads: tuple[str, ...] = ()
    """Checkpoint threads deleted."""
    run_events: int = 0
    """Run-event rows deleted."""
    lock_files: int = 0
    """Idle thread- and account-lock files removed (embedded file locks only)."""
    snapshots: int = 0
    """Market snapshots removed from the embedded file store."""
    dry_run: bool = False
    notes: tuple[str, ...] = field(default=())


def parse_age(text: str) -> timedelta:
    """Parse ``30d``, ``12h``, ``90m`` or ``2w`` (a positive integer and a unit)."""
    value, unit = text.strip()[:-1], text.strip()[-1:].lower()
    if unit not in _UNITS or not value.isdigit() or int(value) <= 0:
        raise RetentionInputError(f"age must look like 30d, 12h, 90m or 2w; got {text!r}")
    return int(value) * _UNITS[unit]


def _require_aware(cutoff: datetime) -> None:
    if cutoff.tzinfo is None:
        raise NaiveDatetimeError(f"cutoff {cutoff.isoformat()} has no time zone")


def stale_threads(saver: Any, cutoff: datetime) -> list[str]:
    """Threads whose newest checkpoint (any namespace) is older than ``cutoff``."""
    _require_aware(cutoff)
    newest: dict[str, datetime] = {}
    for item in saver.list(None):
        thread_id = str(item.config["configurable"]["thread_id"])
        at = datetime.fromisoformat(item.checkpoint["ts"])
        if thread_id not in newest or at > newest[thread_id]:
            newest[thread_id] = at
    return sorted(t for t, at in newest.items() if at < cutoff)


def prune_checkpoints(saver: Any, cutoff: datetime, *, dry_run: bool = False) -> list[str]:
    """Delete every thread idle since before ``cutoff``; return the thread ids."""
    threads = stale_threads(saver, cutoff)
    if not dry_run:
        for thread_id in threads:
            saver.delete_thread(thread_id)
    return threads


def prune(
    *,
    now: datetime,
    older_than: timedelta = DEFAULT_RETENTION,
    database_url: str | None,
    checkpoint_urls: Iterable[str] = (),
    lock_folder: Path | None = None,
    snapshot_folder: Path | None = None,
    dry_run: bool = False,
) -> PruneReport:
    """The retention job: the CLI's ``db prune`` and the scheduler both call this.

    Args:
        now: the current time (from the caller's clock).
        older_than: the retention age.
        database_url: the application store (``None`` skips run events).
        checkpoint_urls: checkpoint stores to prune (usually just CHECKPOINT_URL).
        lock_folder: the embedded file locks' folder; idle lock files go (never on a dry run).
        snapshot_folder: the embedded market-snapshot store; snapshots unused for the age go
            (never on a dry run). Redis expires its snapshots by itself.
        dry_run: count only; delete nothing.
    """
    _require_aware(now)
    cutoff = now - older_than
    threads: list[str] = []
    for url in checkpoint_urls:
        with open_checkpointer(url) as saver:
            threads.extend(prune_checkpoints(saver, cutoff, dry_run=dry_run))
    events = 0
    if database_url is not None:
        with run_store_at(database_url) as runs:
            events = runs.prune_events(cutoff, dry_run=dry_run)
    removed_locks = 0
    if lock_folder is not None and not dry_run:
        locks = FileThreadLocks(lock_folder)
        removed_locks = locks.prune(older_than_seconds=older_than.total_seconds())
        removed_locks += locks.family("accounts").prune(
            older_than_seconds=older_than.total_seconds()
        )
    snapshots = 0
    if snapshot_folder is not None and not dry_run:
        snapshots = FileSnapshotStore(snapshot_folder).prune(
            older_than_seconds=older_than.total_seconds()
        )
    return PruneReport(
        cutoff=cutoff,
        threads=tuple(threads),
        run_events=events,
        lock_files=removed_locks,
        snapshots=snapshots,
        dry_run=dry_run,
    )


def prune_job(
    settings: Settings, clock: Clock, *, older_than: timedelta = DEFAULT_RETENTION
) -> PruneReport:
    """The scheduled retention job: prune CHECKPOINT_URL and DATABASE_URL as configured."""
    return prune(
        now=clock.now(),
        older_than=older_than,
        database_url=settings.effective_database_url,
        checkpoint_urls=[settings.effective_checkpoint_url],
        lock_folder=file_lock_folder(settings),
        snapshot_folder=file_snapshot_folder(settings),
    )
