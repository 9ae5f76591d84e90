"""The Redis checkpoint serializer loads only for a Redis backend.

Why: langgraph's Redis package costs about 0.6 s to import; the SQLite and Postgres backends
(``hedgegraph db current``, every cycle on the embedded stack) must not pay for it. Checked in a
fresh interpreter, so nothing an earlier test imported can hide a regression.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from graph.checkpoints import serde
from graph.checkpoints.redis_serde import RedisCheckpointSerializer

REPO = Path(__file__).resolve().parents[3]

_PROBE = """
import json, sys
from graph.checkpoints.factory import open_checkpointer
with open_checkpointer("sqlite:///" + sys.argv[1]) as saver:
    saver.get_tuple({"configurable": {"thread_id": "t"}})
print(json.dumps(sorted(m for m in sys.modules if m.startswith("langgraph.checkpoint.redis"))))
"""


def test_a_sqlite_checkpointer_never_imports_the_redis_package(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, str(tmp_path / "checkpoints.sqlite")],
        cwd=REPO,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "HEDGEGRAPH_ENV_FILE": ""},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == []


def test_the_redis_serializer_is_still_reachable_from_serde() -> None:
    assert serde.RedisCheckpointSerializer is RedisCheckpointSerializer
    assert isinstance(serde.redis_checkpoint_serializer(), RedisCheckpointSerializer)
