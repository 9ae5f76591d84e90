"""Checking an up-to-date store needs no alembic, and the shortcut agrees with alembic.

Why: every operator command opens the store; importing alembic costs about 0.2 s, so the check
reads the stamped revision with one query and the shipped head from the migration files. These
tests hold that reading to alembic's own, and prove (in a fresh interpreter) that alembic stays
unimported on the common path.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from tools.persistence.migrate import (
    MIGRATIONS_DIR,
    _config,
    current_revision,
    head_revision,
    linear_head,
    schema_status,
    upgrade,
)

REPO = Path(__file__).resolve().parents[3]
Parent = str | tuple[str, ...] | None


def test_shipped_head_is_alembics_head() -> None:
    assert ScriptDirectory.from_config(_config()).get_heads() == [head_revision()]
    assert linear_head(MIGRATIONS_DIR / "versions") == head_revision()


def _migration(folder: Path, name: str, revision: str, parent: Parent) -> None:
    (folder / f"{name}.py").write_text(
        f'revision: str = "{revision}"\ndown_revision = {parent!r}\n', encoding="utf-8"
    )


@pytest.mark.parametrize(
    ("history", "head"),
    [
        pytest.param([("a", None), ("b", "a"), ("c", "b")], "c", id="linear"),
        pytest.param([("a", None), ("b", "a"), ("c", "a")], None, id="two heads"),
        pytest.param([("a", None), ("b", "a"), ("c", ("a", "b"))], None, id="merge"),
        pytest.param([("b", "a")], None, id="parent missing"),
        pytest.param([], None, id="empty"),
    ],
)
def test_linear_head_defers_to_alembic_on_anything_but_a_line(
    tmp_path: Path, history: list[tuple[str, Parent]], head: str | None
) -> None:
    (tmp_path / "__init__.py").write_text("", encoding="utf-8")
    for index, (revision, parent) in enumerate(history):
        _migration(tmp_path, f"{index:04d}_{revision}", revision, parent)
    assert linear_head(tmp_path) == head


def test_current_revision_reads_the_stamp(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    assert current_revision(url) is None
    upgrade(url)
    assert current_revision(url) == head_revision()
    assert schema_status(url).is_current


_PROBE = """
import json, sys
from tools.persistence.migrate import schema_status, upgrade
from tools.persistence.store import Store
url = sys.argv[1]
Store.open(url).close()
upgrade(url)
print(json.dumps({"current": schema_status(url).is_current, "alembic": "alembic" in sys.modules}))
"""


def test_opening_a_current_store_never_imports_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    upgrade(url)  # migrated here, so the fresh interpreter finds the schema at head
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, url],
        cwd=REPO,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "HEDGEGRAPH_ENV_FILE": ""},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == {"current": True, "alembic": False}
