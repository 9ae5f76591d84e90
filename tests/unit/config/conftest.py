"""Every config test starts in an empty folder with no ambient settings (the suite guard already
cleared them; this also undoes anything an earlier test in the process set)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import is_ambient_setting


@pytest.fixture(autouse=True)
def _empty_workdir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if is_ambient_setting(name):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HEDGEGRAPH_ENV_FILE", "")  # .env stays off unless a test writes one
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def dotenv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Write a .env in the working directory and let settings read it (the suite turns it off)."""

    def write(text: str) -> Path:
        path = tmp_path / ".env"
        path.write_text(text)
        monkeypatch.delenv("HEDGEGRAPH_ENV_FILE", raising=False)
        return path

    return write
