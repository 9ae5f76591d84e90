"""Replays (``--as-of``) trade their own paper account, never the real one.

Why: a replay moves the clock to the past. Sharing the wall-clock account with it sells real
positions at synthetic prices, fires stops on replayed positions and computes cooldowns that end
before they start. So each replay moment gets its own folder under the home, with its own paper
broker, ledger and checkpoints: ``HEDGEGRAPH_HOME/replays/<as-of>/``. A thread started in a replay
is remembered in ``replays/threads.json``, so ``approve --thread`` and ``run --thread`` (even with
a later ``--as-of``) find the account the thread belongs to.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from config.settings import Settings

__all__ = ["remember_thread", "replay_home", "replay_key", "replay_settings", "thread_replay"]

AS_OF_FORMATS = ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d")
"""What ``--as-of`` and ``--replay`` accept (UTC unless an offset is given)."""


def as_utc(at: datetime) -> datetime:
    return at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC)


def replay_key(as_of: datetime) -> str:
    """The folder name of a replay moment: ``2025-09-15T150000Z`` (sorts, and is path-safe)."""
    return as_utc(as_of).strftime("%Y-%m-%dT%H%M%SZ")


def replay_home(home: Path, key: str) -> Path:
    return home / "replays" / key


def _index(home: Path) -> Path:
    return home / "replays" / "threads.json"


def thread_replay(home: Path, thread_id: str) -> str | None:
    """The replay a thread was started in, or ``None`` for a wall-clock thread."""
    try:
        known = json.loads(_index(home).read_text())
    except (OSError, json.JSONDecodeError):  # no index (or no usable home): not a replay thread
        return None
    key = known.get(thread_id) if isinstance(known, dict) else None
    return key if isinstance(key, str) else None


def remember_thread(home: Path, thread_id: str, key: str) -> None:
    """Record that ``thread_id`` belongs to replay ``key`` (atomic rewrite of the index)."""
    path = _index(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        known = json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        known = {}
    if known.get(thread_id) == key:
        return
    known[thread_id] = key
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".threads-")
    with os.fdopen(fd, "w") as out:
        json.dump(known, out, indent=1, sort_keys=True)
    os.replace(tmp, path)


def replay_settings(settings: Settings, key: str) -> Settings:
    """``settings`` pointed at the replay's own home: embedded ledger, checkpoints and broker.

    DATABASE_URL and CHECKPOINT_URL are dropped on purpose: a replay must not write simulated
    orders into the production ledger.
    """
    home = replay_home(settings.hedgegraph_home, key)
    return settings.model_copy(
        update={"hedgegraph_home": home, "database_url": None, "checkpoint_url": None}
    )
